import { emptyHistogram, mergeHistogram, quantileMs, type HistogramSnapshot } from './histogram';
import type { ExecutorStatsSnapshot } from './counters';

/** Percentiles of one latency histogram, in ms (upper bounds of their buckets, capped at the max). */
export interface LatencyPercentiles {
  p50: number;
  p99: number;
  max: number;
}

/** Per-component totals: the fields of `squall local --json` and `squall stats --json`. */
export interface ComponentSummary {
  kind: 'spout' | 'bolt' | 'acker';
  executors: number;
  tasks: number;
  /** Tuples emitted (one per emit call), all streams. */
  emitted: number;
  /** Tuple deliveries to tasks (an emit to 3 tasks counts 3). */
  transferred: number;
  /** Inputs executed (bolts). */
  executed: number;
  /** Bolts: inputs acked. Spouts: tuple trees fully processed. */
  acked: number;
  /** Bolts: inputs failed. Spouts: trees failed or timed out. */
  failed: number;
  /** Mean ms from spout emit to tree completion (spouts). */
  completeLatencyMs: number;
  /** Mean ms from execute start to ack (bolts). */
  processLatencyMs: number;
  /** Mean ms inside execute (bolts). */
  executeLatencyMs: number;
  /** Fraction of time the busiest executor spent executing, over the measured window (1 = saturated). */
  capacity: number;
  /** Percentiles of the latency histograms. */
  latencyPercentilesMs: Record<'complete' | 'process' | 'execute', LatencyPercentiles>;
  /** Emitted per output stream. */
  streams: Record<string, { emitted: number; transferred: number }>;
}

const sum = <T>(xs: Iterable<T>, f: (x: T) => number): number => {
  let s = 0;
  for (const x of xs) s += f(x);
  return s;
};
/** Rounds a figure in ms to nanoseconds, as summaries report them. */
export const roundMs = (x: number): number => Math.round(x * 1e6) / 1e6;
const round = roundMs;

/**
 * Sums executor snapshots into per-component totals. With `previous` snapshots (same executors, earlier), capacity
 * is measured over the interval between them; otherwise over each executor's whole uptime.
 */
export function summarizeComponents(
  snapshots: readonly ExecutorStatsSnapshot[],
  previous: readonly ExecutorStatsSnapshot[] = [],
): Record<string, ComponentSummary> {
  const prevByKey = new Map(previous.map((p) => [`${p.component}[${p.startTask}]`, p]));
  const byComponent = new Map<string, ExecutorStatsSnapshot[]>();
  for (const s of snapshots) {
    const list = byComponent.get(s.component) ?? [];
    list.push(s);
    byComponent.set(s.component, list);
  }
  const out: Record<string, ComponentSummary> = {};
  for (const [component, list] of [...byComponent].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const inputs = list.flatMap((s) => Object.values(s.inputs));
    const completions = list.flatMap((s) => Object.values(s.completions));
    const hist = (k: 'execute' | 'process' | 'complete'): HistogramSnapshot =>
      list.reduce((acc, s) => mergeHistogram(acc, s.histograms[k]), emptyHistogram());
    const streams: Record<string, { emitted: number; transferred: number }> = {};
    for (const s of list)
      for (const [id, c] of Object.entries(s.outputs)) {
        const t = (streams[id] ??= { emitted: 0, transferred: 0 });
        t.emitted += c.emitted;
        t.transferred += c.transferred;
      }
    const kind = list[0]!.kind;
    const executed = sum(inputs, (i) => i.executed);
    const completeAcked = sum(completions, (c) => c.acked);
    const processCount = sum(inputs, (i) => i.processCount);
    let capacity = 0;
    for (const s of list) {
      const p = prevByKey.get(`${s.component}[${s.startTask}]`);
      const wall = s.uptimeMs - (p?.uptimeMs ?? 0);
      if (wall > 0) capacity = Math.max(capacity, (s.busyMs - (p?.busyMs ?? 0)) / wall);
    }
    const pct = (h: HistogramSnapshot) => ({
      p50: round(quantileMs(h, 0.5)),
      p99: round(quantileMs(h, 0.99)),
      max: round(h.maxMs),
    });
    out[component] = {
      kind,
      executors: list.length,
      tasks: sum(list, (s) => s.endTask - s.startTask + 1),
      emitted: sum(Object.values(streams), (s) => s.emitted),
      transferred: sum(Object.values(streams), (s) => s.transferred),
      executed,
      acked: kind === 'spout' ? completeAcked : sum(inputs, (i) => i.acked),
      failed: kind === 'spout' ? sum(completions, (c) => c.failed) : sum(inputs, (i) => i.failed),
      completeLatencyMs: completeAcked > 0 ? round(sum(completions, (c) => c.completeMs) / completeAcked) : 0,
      processLatencyMs: processCount > 0 ? round(sum(inputs, (i) => i.processMs) / processCount) : 0,
      executeLatencyMs: executed > 0 ? round(sum(inputs, (i) => i.executeMs) / executed) : 0,
      capacity: round(Math.min(1, capacity)),
      latencyPercentilesMs: {
        complete: pct(hist('complete')),
        process: pct(hist('process')),
        execute: pct(hist('execute')),
      },
      streams,
    };
  }
  return out;
}
