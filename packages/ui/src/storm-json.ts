import { getConfig } from '@squall/core';
import { pb } from '@squall/protocol';
import { STATS_WINDOWS_SECS } from '@squall/stats';
import { latencyPercentiles, topologyStatusName } from '@squall/stats/wire';
import { HttpError } from './errors';
import type {
  BoltRow,
  BoltWindowStats,
  ClusterSummary,
  ComponentPage,
  ErrorEntry,
  LastError,
  NimbusSummaryList,
  SpoutRow,
  SupervisorSummaryList,
  TopologyPage,
  TopologySummary,
  WindowStats,
} from './rest-schema';

// Conversions from nimbus's RPC messages to Storm UI's JSON documents, with Storm's field names and value formats:
// counts are numbers, latencies and capacity are strings with 3 decimals ("0.048"), uptimes come as "1d 2h 3m 4s"
// plus a seconds field. Squall-only additions are named in rest-api.ts. The documents' types (and the schemas the
// server answers with) are in rest-schema.ts.

/** Storm UI's windows in seconds; 0 is all time. */
export const WINDOWS: readonly number[] = STATS_WINDOWS_SECS;

/** Storm's `window` query value for a window: "600", ..., ":all-time". */
export function windowKey(secs: number): string {
  return secs === 0 ? ':all-time' : String(secs);
}

/**
 * The window in seconds of a `window` query value: one of Storm's windows, `600`, `10800`, `86400`, or `:all-time`
 * (also `all-time`, `0`, empty or absent).
 * @throws HttpError 400 for anything else, naming the allowed values
 */
export function parseWindow(value: string | null): number {
  if (value === null || value === '' || value === ':all-time' || value === 'all-time') return 0;
  if (/^\d{1,6}$/.test(value) && WINDOWS.includes(Number(value))) return Number(value);
  throw new HttpError(
    400,
    `window must be one of 600, 10800, 86400 (seconds) or :all-time, got '${value.slice(0, 100)}'`,
  );
}

/** Storm's "1d 2h 3m 4s" (leading zero units left out; "0s" for zero). */
export function prettyUptime(totalSecs: number): string {
  let s = Math.max(0, Math.floor(totalSecs));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts: string[] = [];
  if (d > 0) parts.push(`${d}d`);
  if (d > 0 || h > 0) parts.push(`${h}h`);
  if (d > 0 || h > 0 || m > 0) parts.push(`${m}m`);
  parts.push(`${s}s`);
  return parts.join(' ');
}

/** Storm's windowPretty: "10m 0s", "3h 0m 0s", "1d 0h 0m 0s", "All time". */
export function windowPretty(secs: number): string {
  return secs === 0 ? 'All time' : prettyUptime(secs);
}

/** A mean latency in ms as Storm formats it. */
export function fixed3(x: number): string {
  return (Number.isFinite(x) ? x : 0).toFixed(3);
}

const mean = (l: pb.ILatencySummary | null | undefined): number =>
  Number(l?.count ?? 0) > 0 ? (l?.sumMs ?? 0) / Number(l!.count) : 0;
const n = (x: number | null | undefined): number => Number(x ?? 0);

/** Status enum → Storm's name (ACTIVE, INACTIVE, REBALANCING, KILLED). */
export function statusName(s: pb.TopologyStatus | null | undefined): string {
  return topologyStatusName(s);
}

function workerStatusName(s: pb.WorkerStatus | null | undefined): string {
  return (pb.WorkerStatus[s ?? 0] ?? 'UNKNOWN').replace('WORKER_STATUS_', '');
}

/** The relative link of the UI's worker log page (the web app's route) for a worker. */
export function workerLogLink(topologyId: string, host: string, port: number): string {
  return `#/log?topologyId=${encodeURIComponent(topologyId)}&host=${encodeURIComponent(host)}&port=${port}`;
}

/** `/api/v1/cluster/summary`. */
export function clusterSummaryJson(c: pb.IClusterInfo): ClusterSummary {
  const supervisors = c.supervisors ?? [];
  const topologies = c.topologies ?? [];
  const leader = (c.nimbuses ?? []).find((x) => x.isLeader);
  const slotsTotal = supervisors.reduce((a, s) => a + (s.slotsTotal ?? 0), 0);
  const slotsUsed = supervisors.reduce((a, s) => a + (s.slotsUsed ?? 0), 0);
  return {
    stormVersion: leader?.version ?? (c.nimbuses ?? [])[0]?.version ?? '',
    nimbusUptime: prettyUptime(n(leader?.uptimeSecs)),
    nimbusUptimeSeconds: n(leader?.uptimeSecs),
    supervisors: supervisors.length,
    topologies: topologies.length,
    slotsTotal,
    slotsUsed,
    slotsFree: slotsTotal - slotsUsed,
    executorsTotal: topologies.reduce((a, t) => a + (t.numExecutors ?? 0), 0),
    tasksTotal: topologies.reduce((a, t) => a + (t.numTasks ?? 0), 0),
  };
}

/** `/api/v1/nimbus/summary`. */
export function nimbusSummaryJson(c: pb.IClusterInfo): NimbusSummaryList {
  return {
    nimbuses: (c.nimbuses ?? []).map((x) => ({
      host: x.host ?? '',
      port: x.port ?? 0,
      status: x.isLeader ? 'Leader' : 'Not a Leader',
      version: x.version ?? '',
      nimbusUpTime: prettyUptime(n(x.uptimeSecs)),
      nimbusUpTimeSeconds: n(x.uptimeSecs),
    })),
  };
}

/** `/api/v1/supervisor/summary`. */
export function supervisorSummaryJson(c: pb.IClusterInfo): SupervisorSummaryList {
  return {
    supervisors: (c.supervisors ?? []).map((s) => ({
      id: s.id ?? '',
      host: s.host ?? '',
      uptime: prettyUptime(n(s.uptimeSecs)),
      uptimeSeconds: n(s.uptimeSecs),
      slotsTotal: s.slotsTotal ?? 0,
      slotsUsed: s.slotsUsed ?? 0,
      slotsFree: (s.slotsTotal ?? 0) - (s.slotsUsed ?? 0),
      version: s.version ?? '',
    })),
    schedulerDisplayResource: false,
  };
}

/** One entry of `/api/v1/topology/summary`. */
export function topologySummaryJson(t: pb.ITopologySummary): TopologySummary {
  return {
    id: t.id ?? '',
    encodedId: encodeURIComponent(t.id ?? ''),
    owner: t.owner ?? '',
    name: t.name ?? '',
    status: statusName(t.status),
    uptime: prettyUptime(n(t.uptimeSecs)),
    uptimeSeconds: n(t.uptimeSecs),
    tasksTotal: t.numTasks ?? 0,
    workersTotal: t.numWorkers ?? 0,
    executorsTotal: t.numExecutors ?? 0,
    replicationCount: 1,
  };
}

/** Storm's per-window row: topologyStats / spoutSummary entries. */
function windowRow(w: pb.IWindowedStats): WindowStats {
  const s = w.stats ?? {};
  const secs = w.windowSecs ?? 0;
  return {
    windowPretty: windowPretty(secs),
    window: windowKey(secs),
    emitted: n(s.emitted),
    transferred: n(s.transferred),
    completeLatency: fixed3(mean(s.completeLatency)),
    acked: n(s.acked),
    failed: n(s.failed),
  };
}

/** boltStats entries: the window row plus Storm's bolt fields. */
function boltWindowRow(w: pb.IWindowedStats): BoltWindowStats {
  const s = w.stats ?? {};
  return {
    ...windowRow(w),
    executed: n(s.executed),
    executeLatency: fixed3(mean(s.executeLatency)),
    processLatency: fixed3(mean(s.processLatency)),
    capacity: fixed3(s.capacity ?? 0),
  };
}

function lastErrorFields(e: pb.IErrorInfo | null | undefined, topologyId: string, nowMs: number): LastError {
  if (!e)
    return {
      lastError: '',
      errorHost: '',
      errorPort: null,
      errorWorkerLogLink: '',
      errorTime: null,
      errorLapsedSecs: null,
    };
  const t = n(e.timeMs);
  return {
    lastError: e.error ?? '',
    errorHost: e.host ?? '',
    errorPort: e.port ?? null,
    errorWorkerLogLink: workerLogLink(topologyId, e.host ?? '', e.port ?? 0),
    errorTime: Math.floor(t / 1000),
    errorLapsedSecs: Math.max(0, Math.floor((nowMs - t) / 1000)),
  };
}

/** A `componentErrors` / `errors` entry: Storm's fields plus component and task. */
export function errorJson(e: pb.IErrorInfo, topologyId: string, nowMs: number): ErrorEntry {
  const t = n(e.timeMs);
  return {
    component: e.component ?? '',
    task: e.task ?? -1,
    error: e.error ?? '',
    time: t,
    errorTime: Math.floor(t / 1000),
    errorHost: e.host ?? '',
    errorPort: e.port ?? 0,
    errorLapsedSecs: Math.max(0, Math.floor((nowMs - t) / 1000)),
    errorWorkerLogLink: workerLogLink(topologyId, e.host ?? '', e.port ?? 0),
  };
}

function spoutRow(c: pb.IComponentSummary, topologyId: string, nowMs: number): SpoutRow {
  const s = c.stats ?? {};
  return {
    spoutId: c.component ?? '',
    encodedSpoutId: encodeURIComponent(c.component ?? ''),
    executors: c.numExecutors ?? 0,
    tasks: c.numTasks ?? 0,
    emitted: n(s.emitted),
    transferred: n(s.transferred),
    completeLatency: fixed3(mean(s.completeLatency)),
    acked: n(s.acked),
    failed: n(s.failed),
    ...lastErrorFields(c.lastError, topologyId, nowMs),
  };
}

function boltRow(c: pb.IComponentSummary, topologyId: string, nowMs: number): BoltRow {
  const s = c.stats ?? {};
  return {
    boltId: c.component ?? '',
    encodedBoltId: encodeURIComponent(c.component ?? ''),
    executors: c.numExecutors ?? 0,
    tasks: c.numTasks ?? 0,
    emitted: n(s.emitted),
    transferred: n(s.transferred),
    capacity: fixed3(s.capacity ?? 0),
    executeLatency: fixed3(mean(s.executeLatency)),
    executed: n(s.executed),
    processLatency: fixed3(mean(s.processLatency)),
    acked: n(s.acked),
    failed: n(s.failed),
    ...lastErrorFields(c.lastError, topologyId, nowMs),
  };
}

interface SpecLike {
  components?: Array<{
    id: string;
    kind: string;
    inputs?: Array<{ component: string; stream: string; grouping?: { type?: string; fields?: string[] } }>;
  }>;
}

function parseJson<T>(text: string | null | undefined, fallback: T): T {
  try {
    return text ? (JSON.parse(text) as T) : fallback;
  } catch {
    return fallback;
  }
}

/** A grouping as Storm's visualization names it ("fields [word]", "shuffle", ...). */
function groupingName(g: { type?: string; fields?: string[] } | undefined): string {
  if (!g?.type) return '';
  const type = g.type.toLowerCase();
  return g.fields && g.fields.length > 0 ? `${type} [${g.fields.join(', ')}]` : type;
}

/**
 * `/api/v1/topology/:id`: Storm's topology document for the info's window. With `sys`, system components (the
 * acker) are listed among the bolts, as Storm's `sys=1` does.
 */
export function topologyJson(info: pb.ITopologyInfo, sys: boolean, nowMs = Date.now()): TopologyPage {
  const summary = info.summary ?? {};
  const id = summary.id ?? '';
  const conf = parseJson<Record<string, unknown>>(info.confJson, {});
  const spec = parseJson<SpecLike>(info.specJson, {});
  const components = info.components ?? [];
  const windowSecs = info.windowSecs ?? 0;
  const stats = new Map(components.map((c) => [c.component ?? '', c.stats ?? {}]));
  const edges = (spec.components ?? []).flatMap((c) =>
    (c.inputs ?? []).map((i) => ({
      source: i.component,
      target: c.id,
      stream: i.stream,
      grouping: groupingName(i.grouping),
      executed: n(
        (stats.get(c.id)?.inputs ?? []).find((x) => x.component === i.component && x.stream === i.stream)?.executed,
      ),
    })),
  );
  const visualization = Object.fromEntries(
    (spec.components ?? []).map((c) => {
      const s = stats.get(c.id) ?? {};
      return [
        c.id,
        {
          ':type': c.kind,
          ':capacity': s.capacity ?? 0,
          ':latency': c.kind === 'spout' ? mean(s.completeLatency) : mean(s.processLatency),
          ':transferred': n(s.transferred),
          ':inputs': (c.inputs ?? []).map((i) => ({
            ':component': i.component,
            ':stream': i.stream,
            ':sani-stream': i.stream.replace(/[^A-Za-z0-9_-]/g, '_'),
            ':grouping': groupingName(i.grouping),
          })),
        },
      ];
    }),
  );
  return {
    ...topologySummaryJson(summary),
    msgTimeout: getConfig(conf, 'topology.message.timeout.secs'),
    window: windowKey(windowSecs),
    windowHint: windowPretty(windowSecs),
    schedulerDisplayResource: false,
    // Storm's debug switch (Nimbus.SetDebug), or topology.debug set at submit.
    debug: info.debug === true || getConfig(conf, 'topology.debug'),
    samplingPct: info.debug ? (info.samplingPct ?? 0) : getConfig(conf, 'topology.debug') ? 100 : 0,
    topologyStats: (info.topologyStats ?? []).map(windowRow),
    spouts: components
      .filter((c) => c.type === pb.ComponentType.COMPONENT_TYPE_SPOUT)
      .map((c) => spoutRow(c, id, nowMs)),
    bolts: components
      .filter(
        (c) =>
          c.type === pb.ComponentType.COMPONENT_TYPE_BOLT || (sys && c.type === pb.ComponentType.COMPONENT_TYPE_SYSTEM),
      )
      .map((c) => boltRow(c, id, nowMs)),
    workers: (info.workers ?? []).map((w) => {
      const componentNumTasks: Record<string, number> = { ...(w.componentNumTasks ?? {}) };
      return {
        topologyName: summary.name ?? '',
        topologyId: id,
        host: w.host ?? '',
        supervisorId: w.supervisorId ?? '',
        port: w.port ?? 0,
        status: workerStatusName(w.status),
        uptime: prettyUptime(n(w.uptimeSecs)),
        uptimeSeconds: n(w.uptimeSecs),
        executorsTotal: (w.executors ?? []).length,
        componentNumTasks,
        workerLogLink: workerLogLink(id, w.host ?? '', w.port ?? 0),
      };
    }),
    edges,
    visualization,
    errors: (info.errors ?? []).map((e) => errorJson(e, id, nowMs)),
    configuration: conf,
  };
}

/** `/api/v1/topology/:id/component/:component`: Storm's component document for the info's window. */
export function componentJson(c: pb.IComponentInfo, topologyStatus: string, nowMs = Date.now()): ComponentPage {
  const isSpout = c.type === pb.ComponentType.COMPONENT_TYPE_SPOUT;
  const topologyId = c.topologyId ?? '';
  const windowSecs = c.windowSecs ?? 0;
  const s = c.stats ?? {};
  const outputStats = (s.outputs ?? []).map((o) =>
    isSpout
      ? {
          stream: o.stream ?? '',
          emitted: n(o.emitted),
          transferred: n(o.transferred),
          completeLatency: fixed3(mean(o.completeLatency)),
          acked: n(o.acked),
          failed: n(o.failed),
        }
      : { stream: o.stream ?? '', emitted: n(o.emitted), transferred: n(o.transferred) },
  );
  const inputStats = (s.inputs ?? []).map((i) => ({
    component: i.component ?? '',
    encodedComponentId: encodeURIComponent(i.component ?? ''),
    stream: i.stream ?? '',
    executeLatency: fixed3(mean(i.executeLatency)),
    processLatency: fixed3(mean(i.processLatency)),
    executed: n(i.executed),
    acked: n(i.acked),
    failed: n(i.failed),
  }));
  const executorStats = (c.executors ?? []).map((e) => {
    const es = e.stats ?? {};
    const execId = `[${e.executor?.taskStart ?? 0}-${e.executor?.taskEnd ?? 0}]`;
    const base = {
      id: execId,
      encodedId: encodeURIComponent(execId),
      uptime: prettyUptime(n(e.uptimeSecs)),
      uptimeSeconds: n(e.uptimeSecs),
      host: e.host ?? '',
      port: e.port ?? 0,
      emitted: n(es.emitted),
      transferred: n(es.transferred),
      acked: n(es.acked),
      failed: n(es.failed),
      workerLogLink: workerLogLink(topologyId, e.host ?? '', e.port ?? 0),
    };
    return isSpout
      ? { ...base, completeLatency: fixed3(mean(es.completeLatency)) }
      : {
          ...base,
          capacity: fixed3(es.capacity ?? 0),
          executeLatency: fixed3(mean(es.executeLatency)),
          executed: n(es.executed),
          processLatency: fixed3(mean(es.processLatency)),
        };
  });
  const windows = c.windowStats ?? [];
  return {
    id: c.component ?? '',
    encodedId: encodeURIComponent(c.component ?? ''),
    name: c.topologyName ?? '',
    topologyId,
    encodedTopologyId: encodeURIComponent(topologyId),
    topologyStatus,
    componentType: isSpout ? 'spout' : 'bolt',
    executors: c.numExecutors ?? 0,
    tasks: c.numTasks ?? 0,
    window: windowKey(windowSecs),
    windowHint: windowPretty(windowSecs),
    debug: c.debug === true,
    samplingPct: c.samplingPct ?? 0,
    ...(isSpout ? { spoutSummary: windows.map(windowRow) } : { boltStats: windows.map(boltWindowRow) }),
    outputStats,
    ...(isSpout ? {} : { inputStats }),
    executorStats,
    latencyPercentilesMs: {
      complete: latencyPercentiles(s.completeLatency),
      process: latencyPercentiles(s.processLatency),
      execute: latencyPercentiles(s.executeLatency),
    },
    componentErrors: (c.errors ?? []).map((e) => errorJson(e, topologyId, nowMs)),
  };
}
