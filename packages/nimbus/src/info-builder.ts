import { pb } from '@squall/protocol';
import type { ComponentError, StormBase } from '@squall/cluster-state';
import { debugOf } from './debug-options';
import { ComponentNotFoundError, NotFoundError } from './errors';
import { findTopology, type NimbusContext } from './nimbus-context';
import { STATS_WINDOWS_SECS } from '@squall/stats';
import { componentStatsProto, topologyStatsProto } from '@squall/stats/wire';

const STATUS: Record<StormBase['status'], pb.TopologyStatus> = {
  ACTIVE: pb.TopologyStatus.TOPOLOGY_STATUS_ACTIVE,
  INACTIVE: pb.TopologyStatus.TOPOLOGY_STATUS_INACTIVE,
  REBALANCING: pb.TopologyStatus.TOPOLOGY_STATUS_REBALANCING,
  KILLED: pb.TopologyStatus.TOPOLOGY_STATUS_KILLED,
};

/** One line of `squall list`. */
export async function topologySummary(ctx: NimbusContext, id: string, base: StormBase): Promise<pb.ITopologySummary> {
  const a = await ctx.cluster.getAssignment(id);
  return {
    id,
    name: base.name,
    status: STATUS[base.status],
    uptimeSecs: Math.max(0, Math.floor(Date.now() / 1000) - base.launchTimeSecs),
    numWorkers: a?.value.workers.length ?? 0,
    // Both count what is assigned, ackers included (as Storm does), so neither moves without the other.
    numExecutors: a?.value.executors.length ?? 0,
    numTasks: a?.value.executors.reduce((n, e) => n + e.endTask - e.startTask + 1, 0) ?? 0,
    owner: base.owner,
    launchTimeMs: base.launchTimeSecs * 1000,
    packageDigest: base.packageDigest,
  };
}

/** Every topology. */
export async function listTopologies(ctx: NimbusContext): Promise<pb.ITopologySummary[]> {
  const out: pb.ITopologySummary[] = [];
  for (const id of (await ctx.cluster.listStormIds()).sort()) {
    const s = await ctx.cluster.getStorm(id);
    if (s) out.push(await topologySummary(ctx, id, s.value));
  }
  return out;
}

function errorInfo(component: string, e: ComponentError): pb.IErrorInfo {
  return { component, error: e.message, timeMs: e.timeSecs * 1000, host: e.host, port: e.port, task: e.task };
}

/** `squall stats` and the UI's topology page: workers, per-component totals over a window, last errors, conf. */
export async function topologyInfo(ctx: NimbusContext, idOrName: string, windowSecs = 0): Promise<pb.ITopologyInfo> {
  const t = await findTopology(ctx, idOrName, true);
  if (!t) throw new NotFoundError(idOrName);
  const a = (await ctx.cluster.getAssignment(t.id))?.value;
  const workers = a?.workers ?? [];
  const snapshots = ctx.windows.window(t.id, windowSecs).map((w) => w.stats);
  const errors = await ctx.cluster.getTopologyErrors(t.id);
  const record = ctx.packages.record(t.id);
  const components: pb.IComponentSummary[] = (record?.spec.components ?? []).map((c) => {
    const s = componentStatsProto(c.id, snapshots);
    const last = (errors[c.id] ?? []).at(-1);
    return {
      component: c.id,
      type: c.kind === 'spout' ? pb.ComponentType.COMPONENT_TYPE_SPOUT : pb.ComponentType.COMPONENT_TYPE_BOLT,
      numExecutors: a?.executors.filter((e) => e.component === c.id).length ?? 0,
      numTasks: c.numTasks,
      ...(s ? { stats: s } : {}),
      ...(last ? { lastError: errorInfo(c.id, last) } : {}),
    };
  });
  const acker = componentStatsProto('__acker', snapshots);
  const ackerExecutors = a?.executors.filter((e) => e.component === '__acker') ?? [];
  if (acker)
    components.push({
      component: '__acker',
      type: pb.ComponentType.COMPONENT_TYPE_SYSTEM,
      numExecutors: ackerExecutors.length,
      numTasks: ackerExecutors.reduce((n, e) => n + e.endTask - e.startTask + 1, 0),
      stats: acker,
    });
  return {
    ...debugFields(t.storm.value),
    summary: await topologySummary(ctx, t.id, t.storm.value),
    workers: workers.map((w) => {
      const h = ctx.heartbeats.slot(t.id, w.supervisorId, w.port);
      const execs = a!.executors.filter((e) => e.supervisorId === w.supervisorId && e.port === w.port);
      return {
        supervisorId: w.supervisorId,
        host: w.host,
        port: w.port,
        status: h?.status ?? pb.WorkerStatus.WORKER_STATUS_STARTING,
        uptimeSecs: h?.uptimeSecs ?? 0,
        executors: execs.map((e) => ({ taskStart: e.startTask, taskEnd: e.endTask })),
        components: [...new Set(execs.map((e) => e.component))],
        componentNumTasks: execs.reduce<Record<string, number>>(
          (m, e) => ({ ...m, [e.component]: (m[e.component] ?? 0) + e.endTask - e.startTask + 1 }),
          {},
        ),
      };
    }),
    components,
    errors: Object.entries(errors)
      .flatMap(([component, list]) => list.map((e) => errorInfo(component, e)))
      .sort((x, y) => Number(y.timeMs) - Number(x.timeMs)),
    confJson: JSON.stringify(record?.conf ?? {}),
    specJson: record ? JSON.stringify(record.spec) : '',
    windowSecs,
    topologyStats: STATS_WINDOWS_SECS.map((w) => ({
      windowSecs: w,
      stats: topologyStatsProto(w === windowSecs ? snapshots : ctx.windows.window(t.id, w).map((x) => x.stats)),
    })),
  };
}

/** Per-executor detail of one component over a window, with the component's totals for every window. */
export async function componentInfo(
  ctx: NimbusContext,
  idOrName: string,
  component: string,
  windowSecs = 0,
): Promise<pb.IComponentInfo> {
  const t = await findTopology(ctx, idOrName, true);
  if (!t) throw new NotFoundError(idOrName);
  const a = (await ctx.cluster.getAssignment(t.id))?.value;
  const record = ctx.packages.record(t.id);
  const spec = record?.spec.components.find((c) => c.id === component);
  if (!spec && component !== '__acker')
    throw new ComponentNotFoundError(t.storm.value.name, t.id, component, [
      ...(record?.spec.components.map((c) => c.id) ?? []),
      ...((a?.executors ?? []).some((e) => e.component === '__acker') ? ['__acker'] : []),
    ]);
  const executors = (a?.executors ?? []).filter((e) => e.component === component);
  const windowed = ctx.windows.window(t.id, windowSecs).filter((w) => w.stats.component === component);
  const execSummaries: pb.IExecutorSummary[] = [];
  for (const e of executors) {
    const w = a!.workers.find((x) => x.supervisorId === e.supervisorId && x.port === e.port);
    const live = ctx.heartbeats.slot(t.id, e.supervisorId, e.port)?.executors.find((s) => s.startTask === e.startTask);
    const inWindow = windowed.find(
      (x) => x.supervisorId === e.supervisorId && x.port === e.port && x.stats.startTask === e.startTask,
    );
    const stats = inWindow ? componentStatsProto(component, [inWindow.stats]) : undefined;
    execSummaries.push({
      executor: { taskStart: e.startTask, taskEnd: e.endTask },
      host: w?.host ?? '',
      port: e.port,
      uptimeSecs: live ? Math.floor(live.uptimeMs / 1000) : 0,
      ...(stats ? { stats } : {}),
    });
  }
  const total = componentStatsProto(
    component,
    windowed.map((w) => w.stats),
  );
  const errors = (await ctx.cluster.getErrors(t.id, component)).map((e) => errorInfo(component, e)).reverse();
  return {
    ...debugFields(t.storm.value, component),
    topologyId: t.id,
    topologyName: t.storm.value.name,
    component,
    type:
      spec?.kind === 'spout'
        ? pb.ComponentType.COMPONENT_TYPE_SPOUT
        : spec
          ? pb.ComponentType.COMPONENT_TYPE_BOLT
          : pb.ComponentType.COMPONENT_TYPE_SYSTEM,
    numExecutors: executors.length,
    numTasks: spec?.numTasks ?? executors.reduce((n, e) => n + e.endTask - e.startTask + 1, 0),
    ...(total ? { stats: total } : {}),
    executors: execSummaries,
    errors,
    windowSecs,
    windowStats: STATS_WINDOWS_SECS.map((win) => {
      const stats = componentStatsProto(
        component,
        win === windowSecs ? windowed.map((x) => x.stats) : ctx.windows.window(t.id, win).map((x) => x.stats),
      );
      return { windowSecs: win, ...(stats ? { stats } : {}) };
    }),
  };
}

/** Storm's `debug` and `samplingPct` of a topology, or of one of its components. */
function debugFields(storm: StormBase, component = ''): { debug: boolean; samplingPct: number } {
  const d = debugOf(storm, component);
  return { debug: d.enabled, samplingPct: d.samplingPct };
}

/** `squall cluster`: nimbuses, supervisors, topologies. */
export async function clusterInfo(ctx: NimbusContext): Promise<pb.IClusterInfo> {
  const leader = await ctx.cluster.getLeader();
  const nimbuses = (await ctx.cluster.listNimbuses()).map((n) => ({
    host: n.host,
    port: n.port,
    isLeader: leader === `${n.host}:${n.port}`,
    uptimeSecs: Math.floor((Date.now() - n.startTimeMs) / 1000),
    version: n.softwareVersion,
  }));
  const supervisors: pb.ISupervisorSummary[] = [];
  for (const id of await ctx.cluster.listSupervisorIds()) {
    const s = await ctx.cluster.getSupervisor(id);
    if (!s) continue;
    const h = ctx.heartbeats.supervisors.get(id);
    supervisors.push({
      id,
      host: s.value.host,
      uptimeSecs: Math.floor((Date.now() - s.value.startTimeMs) / 1000),
      slotsTotal: s.value.ports.length,
      slotsUsed: h?.usedPorts.length ?? s.value.usedPorts.length,
      version: s.value.softwareVersion,
      servicePort: h?.servicePort ?? 0,
    });
  }
  return { nimbuses, supervisors, topologies: await listTopologies(ctx) };
}
