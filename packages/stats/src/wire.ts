import { pb } from '@squall/protocol';
import { ACKER_COMPONENT } from '@squall/api';
import { emptyHistogram, HISTOGRAM_BUCKETS, quantileMs, trimmedCounts, type HistogramSnapshot } from './histogram';
import type { ExecutorStatsSnapshot } from './counters';
import { summarizeComponents, roundMs, type ComponentSummary, type LatencyPercentiles } from './summary';
import { addSnapshots, combineHistograms } from './windows';

// Conversions between executor statistics and their protobuf form, lossless both ways, so nimbus aggregates exactly
// what workers counted with the same code local mode uses (summarizeComponents). Histograms travel in the one bucket
// layout of histogram.ts, so whoever reads a LatencySummary (CLI, UI, Prometheus) gets the percentiles workers saw.
// This module loads protobufjs: import it from `@squall/stats/wire`, never from the engine or local mode.

function histToProto(h: HistogramSnapshot): pb.ILatencySummary {
  return { count: h.count, sumMs: h.sumMs, maxMs: h.maxMs, buckets: trimmedCounts(h.counts) };
}

/** A LatencySummary's histogram; buckets past the layout's (a peer's garbage) are ignored, so its size is bounded. */
function histFromProto(h: pb.ILatencySummary | null | undefined): HistogramSnapshot {
  const counts = (h?.buckets ?? []).slice(0, HISTOGRAM_BUCKETS).map(Number);
  return { counts, count: Number(h?.count ?? 0), sumMs: h?.sumMs ?? 0, maxMs: h?.maxMs ?? 0 };
}

const TYPE = {
  spout: pb.ComponentType.COMPONENT_TYPE_SPOUT,
  bolt: pb.ComponentType.COMPONENT_TYPE_BOLT,
  acker: pb.ComponentType.COMPONENT_TYPE_SYSTEM,
} as const;

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
  const kind =
    component === ACKER_COMPONENT ? 'acker' : stats.type === pb.ComponentType.COMPONENT_TYPE_SPOUT ? 'spout' : 'bolt';
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
    histograms: {
      complete: histFromProto(stats.completeLatency),
      process: histFromProto(stats.processLatency),
      execute: histFromProto(stats.executeLatency),
    },
  };
  for (const o of stats.outputs ?? []) {
    const stream = o.stream ?? '';
    if (Number(o.emitted ?? 0) > 0 || Number(o.transferred ?? 0) > 0)
      snap.outputs[stream] = { emitted: Number(o.emitted ?? 0), transferred: Number(o.transferred ?? 0) };
    if (Number(o.acked ?? 0) > 0 || Number(o.failed ?? 0) > 0)
      snap.completions[stream] = {
        acked: Number(o.acked ?? 0),
        failed: Number(o.failed ?? 0),
        completeMs: o.completeLatency?.sumMs ?? 0,
      };
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
  const lat = (mean: number, count: number, p: { max: number }): pb.ILatencySummary => ({
    count,
    sumMs: mean * count,
    maxMs: p.max,
  });
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
    outputs: Object.entries(c.streams).map(([stream, s]) => ({
      stream,
      emitted: s.emitted,
      transferred: s.transferred,
    })),
  };
}

/** A component summary from protobuf ComponentStats (inverse of {@link componentSummaryToProto}). */
export function componentSummaryFromProto(p: pb.IComponentStats, executors: number, tasks: number): ComponentSummary {
  const mean = (l: pb.ILatencySummary | null | undefined) =>
    Number(l?.count ?? 0) > 0 ? (l!.sumMs ?? 0) / Number(l!.count) : 0;
  const pct = (l: pb.ILatencySummary | null | undefined) => latencyPercentiles(l);
  const kind =
    p.type === pb.ComponentType.COMPONENT_TYPE_SPOUT
      ? 'spout'
      : p.type === pb.ComponentType.COMPONENT_TYPE_SYSTEM
        ? 'acker'
        : 'bolt';
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
    latencyPercentilesMs: {
      complete: pct(p.completeLatency),
      process: pct(p.processLatency),
      execute: pct(p.executeLatency),
    },
    streams: Object.fromEntries(
      (p.outputs ?? []).map((o) => [
        o.stream ?? '',
        { emitted: Number(o.emitted ?? 0), transferred: Number(o.transferred ?? 0) },
      ]),
    ),
  };
}

/**
 * p50, p99 and max of a LatencySummary, from its buckets (the quantile is its bucket's upper bound, capped at the
 * max); zeros when it has no buckets.
 */
export function latencyPercentiles(l: pb.ILatencySummary | null | undefined): LatencyPercentiles {
  const h = histFromProto(l);
  // Quantiles are over the samples in the buckets (a summary's count may be the mean's denominator, not theirs).
  h.count = h.counts.reduce((a, b) => a + b, 0);
  return { p50: roundMs(quantileMs(h, 0.5)), p99: roundMs(quantileMs(h, 0.99)), max: roundMs(h.maxMs) };
}

function latency(mean: number, count: number, h: HistogramSnapshot): pb.ILatencySummary {
  return { count, sumMs: mean * count, maxMs: h.maxMs, buckets: trimmedCounts(h.counts) };
}

/**
 * A component's statistics over some executor snapshots (one window): the totals of `squall stats`, per-stream
 * outputs (with spout completions) and inputs, and latency histograms. Undefined when empty.
 */
export function componentStatsProto(
  component: string,
  snapshots: readonly ExecutorStatsSnapshot[],
): pb.IComponentStats | undefined {
  const mine = snapshots.filter((s) => s.component === component);
  const summary = summarizeComponents(mine)[component];
  if (!summary || mine.length === 0) return undefined;
  const merged = mine.slice(1).reduce(addSnapshots, mine[0]!);
  const detail = executorStatsToProto(merged).stats!;
  const totals = componentSummaryToProto(component, summary);
  const h = merged.histograms;
  return {
    ...totals,
    completeLatency: latency(summary.completeLatencyMs, summary.kind === 'spout' ? summary.acked : 0, h.complete),
    processLatency: latency(summary.processLatencyMs, summary.executed, h.process),
    executeLatency: latency(summary.executeLatencyMs, summary.executed, h.execute),
    outputs: detail.outputs ?? [],
    inputs: detail.inputs ?? [],
  };
}

/**
 * Storm's topologyStats for one window: emitted and transferred over spouts and bolts (system components left out,
 * as Storm UI does by default), acked, failed and complete latency over spouts.
 */
export function topologyStatsProto(snapshots: readonly ExecutorStatsSnapshot[]): pb.IComponentStats {
  const user = snapshots.filter((s) => s.kind !== 'acker' && !s.component.startsWith('__'));
  const summaries = summarizeComponents(user);
  let emitted = 0;
  let transferred = 0;
  let acked = 0;
  let failed = 0;
  let completeMs = 0;
  let complete = emptyHistogram();
  for (const c of Object.values(summaries)) {
    emitted += c.emitted;
    transferred += c.transferred;
    if (c.kind !== 'spout') continue;
    acked += c.acked;
    failed += c.failed;
    completeMs += c.completeLatencyMs * c.acked;
  }
  for (const s of user)
    if (s.kind === 'spout')
      complete = combineHistograms(
        complete,
        s.histograms.complete,
        (x, y) => x + y,
        (a, b) => Math.max(a.maxMs, b.maxMs),
      );
  return {
    emitted,
    transferred,
    acked,
    failed,
    completeLatency: {
      count: acked,
      sumMs: completeMs,
      maxMs: complete.maxMs,
      buckets: trimmedCounts(complete.counts),
    },
  };
}

/** A topology status as Storm names it: ACTIVE, INACTIVE, REBALANCING, KILLED (UNKNOWN for a value not in the enum). */
export function topologyStatusName(status: pb.TopologyStatus | null | undefined): string {
  return (pb.TopologyStatus[status ?? 0] ?? 'UNKNOWN').replace('TOPOLOGY_STATUS_', '');
}
