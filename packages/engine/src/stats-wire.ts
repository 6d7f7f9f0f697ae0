import { pb } from '@squall/protocol';
import { ACKER_COMPONENT } from '@squall/api';
import type { HistogramSnapshot } from './histogram';
import type { ExecutorStatsSnapshot } from './stats';
import type { ComponentSummary } from './summary';

// Conversions between the engine's statistics and their protobuf form, lossless both ways, so nimbus aggregates
// exactly what workers counted with the same code local mode uses (summarizeComponents).

function histToProto(h: HistogramSnapshot): pb.ILatencySummary {
  return { count: h.count, sumMs: h.sumMs, maxMs: h.maxMs, buckets: h.counts };
}

function histFromProto(h: pb.ILatencySummary | null | undefined): HistogramSnapshot {
  const counts = (h?.buckets ?? []).map(Number);
  return { counts, count: Number(h?.count ?? 0), sumMs: h?.sumMs ?? 0, maxMs: h?.maxMs ?? 0 };
}

const TYPE = { spout: pb.ComponentType.COMPONENT_TYPE_SPOUT, bolt: pb.ComponentType.COMPONENT_TYPE_BOLT, acker: pb.ComponentType.COMPONENT_TYPE_SYSTEM } as const;

/** An executor's snapshot as a protobuf ExecutorStats. */
export function executorStatsToProto(s: ExecutorStatsSnapshot): pb.IExecutorStats {
  const outputs: pb.IOutputStreamStats[] = [];
  const streams = new Set([...Object.keys(s.outputs), ...Object.keys(s.completions)]);
  for (const stream of streams) {
    const o = s.outputs[stream];
    const c = s.completions[stream];
    outputs.push({
      stream,
      emitted: o?.emitted ?? 0,
      transferred: o?.transferred ?? 0,
      acked: c?.acked ?? 0,
      failed: c?.failed ?? 0,
      completeLatency: { count: c?.acked ?? 0, sumMs: c?.completeMs ?? 0 },
    });
  }
  const inputs: pb.IInputStreamStats[] = Object.entries(s.inputs).map(([key, i]) => {
    const colon = key.lastIndexOf(':');
    return {
      component: key.slice(0, colon),
      stream: key.slice(colon + 1),
      executed: i.executed,
      acked: i.acked,
      failed: i.failed,
      processLatency: { count: i.processCount, sumMs: i.processMs },
      executeLatency: { count: i.executed, sumMs: i.executeMs },
    };
  });
  return {
    executor: { taskStart: s.startTask, taskEnd: s.endTask },
    uptimeSecs: Math.floor(s.uptimeMs / 1000),
    uptimeMs: Math.round(s.uptimeMs),
    busyMs: s.busyMs,
    stats: {
      component: s.component,
      type: TYPE[s.kind],
      completeLatency: histToProto(s.histograms.complete),
      processLatency: histToProto(s.histograms.process),
      executeLatency: histToProto(s.histograms.execute),
      outputs,
      inputs,
    },
  };
}

/** The engine snapshot of a protobuf ExecutorStats (inverse of {@link executorStatsToProto}). */
export function executorStatsFromProto(p: pb.IExecutorStats): ExecutorStatsSnapshot {
  const stats = p.stats ?? {};
  const component = stats.component ?? '';
  const kind = component === ACKER_COMPONENT ? 'acker' : stats.type === pb.ComponentType.COMPONENT_TYPE_SPOUT ? 'spout' : 'bolt';
  const snap: ExecutorStatsSnapshot = {
    component,
    startTask: p.executor?.taskStart ?? 0,
    endTask: p.executor?.taskEnd ?? 0,
    kind,
    uptimeMs: Number(p.uptimeMs ?? 0),
    busyMs: p.busyMs ?? 0,
    outputs: {},
    inputs: {},
    completions: {},
    histograms: { complete: histFromProto(stats.completeLatency), process: histFromProto(stats.processLatency), execute: histFromProto(stats.executeLatency) },
  };
  for (const o of stats.outputs ?? []) {
    const stream = o.stream ?? '';
    if (Number(o.emitted ?? 0) > 0 || Number(o.transferred ?? 0) > 0) snap.outputs[stream] = { emitted: Number(o.emitted ?? 0), transferred: Number(o.transferred ?? 0) };
    if (Number(o.acked ?? 0) > 0 || Number(o.failed ?? 0) > 0)
      snap.completions[stream] = { acked: Number(o.acked ?? 0), failed: Number(o.failed ?? 0), completeMs: o.completeLatency?.sumMs ?? 0 };
  }
  for (const i of stats.inputs ?? []) {
    snap.inputs[`${i.component ?? ''}:${i.stream ?? ''}`] = {
      executed: Number(i.executed ?? 0),
      acked: Number(i.acked ?? 0),
      failed: Number(i.failed ?? 0),
      executeMs: i.executeLatency?.sumMs ?? 0,
      processMs: i.processLatency?.sumMs ?? 0,
      processCount: Number(i.processLatency?.count ?? 0),
    };
  }
  return snap;
}

/** A component summary as protobuf ComponentStats (totals only; per-stream detail comes from executors). */
export function componentSummaryToProto(component: string, c: ComponentSummary): pb.IComponentStats {
  const lat = (mean: number, count: number, p: { max: number }): pb.ILatencySummary => ({ count, sumMs: mean * count, maxMs: p.max });
  return {
    component,
    type: TYPE[c.kind],
    emitted: c.emitted,
    transferred: c.transferred,
    executed: c.executed,
    acked: c.acked,
    failed: c.failed,
    completeLatency: lat(c.completeLatencyMs, c.kind === 'spout' ? c.acked : 0, c.latencyPercentilesMs.complete),
    processLatency: lat(c.processLatencyMs, c.executed, c.latencyPercentilesMs.process),
    executeLatency: lat(c.executeLatencyMs, c.executed, c.latencyPercentilesMs.execute),
    capacity: c.capacity,
    outputs: Object.entries(c.streams).map(([stream, s]) => ({ stream, emitted: s.emitted, transferred: s.transferred })),
  };
}

/** A component summary from protobuf ComponentStats (inverse of {@link componentSummaryToProto}). */
export function componentSummaryFromProto(p: pb.IComponentStats, executors: number, tasks: number): ComponentSummary {
  const mean = (l: pb.ILatencySummary | null | undefined) => (Number(l?.count ?? 0) > 0 ? (l!.sumMs ?? 0) / Number(l!.count) : 0);
  const pct = (l: pb.ILatencySummary | null | undefined) => ({ p50: 0, p99: 0, max: l?.maxMs ?? 0 });
  const kind = p.type === pb.ComponentType.COMPONENT_TYPE_SPOUT ? 'spout' : p.type === pb.ComponentType.COMPONENT_TYPE_SYSTEM ? 'acker' : 'bolt';
  return {
    kind,
    executors,
    tasks,
    emitted: Number(p.emitted ?? 0),
    transferred: Number(p.transferred ?? 0),
    executed: Number(p.executed ?? 0),
    acked: Number(p.acked ?? 0),
    failed: Number(p.failed ?? 0),
    completeLatencyMs: mean(p.completeLatency),
    processLatencyMs: mean(p.processLatency),
    executeLatencyMs: mean(p.executeLatency),
    capacity: p.capacity ?? 0,
    latencyPercentilesMs: { complete: pct(p.completeLatency), process: pct(p.processLatency), execute: pct(p.executeLatency) },
    streams: Object.fromEntries((p.outputs ?? []).map((o) => [o.stream ?? '', { emitted: Number(o.emitted ?? 0), transferred: Number(o.transferred ?? 0) }])),
  };
}
