import { systemClock, type Clock } from '@squall/core';
import { bucketUpperMs, trimmedCounts, type HistogramSnapshot } from './histogram';
import type { ExecutorStatsSnapshot } from './counters';
import { STATS_WINDOWS_SECS } from './names';

/** Options of {@link StatsWindows}. */
export interface StatsWindowsOptions {
  /**
   * Longest window that must be answerable precisely, in seconds; older samples are dropped (all-time needs none).
   * @default 86400
   */
  longestWindowSecs?: number;
  /**
   * Samples kept per window length: a window's start is precise to about its length divided by this.
   * @default 30
   */
  samplesPerWindow?: number;
  /**
   * Time source; samples are stamped with its wall clock.
   * @default systemClock
   */
  clock?: Clock;
}

interface Sample {
  /** Nimbus wall-clock ms when it was recorded. */
  t: number;
  /** Monotonic cumulative statistics: the sum of every incarnation of the executor on its slot. */
  s: ExecutorStatsSnapshot;
}

/** The history of one executor on one slot. */
interface Series {
  topologyId: string;
  supervisorId: string;
  port: number;
  /** Totals of earlier incarnations (before the worker restarted and its counters reset). */
  base: ExecutorStatsSnapshot | undefined;
  /** The last snapshot as reported (not cumulative over restarts). */
  lastRaw: ExecutorStatsSnapshot;
  samples: Sample[];
}

/**
 * Exact windowed statistics from the cumulative counters executors report: nimbus keeps timestamped snapshots per
 * executor and slot, and a window's value is the newest snapshot minus the newest one at least the window's length
 * old. Counters are exact (every tuple counted); only the window's start is rounded to a kept sample, at most about
 * 1/{@link StatsWindowsOptions.samplesPerWindow} of the window earlier.
 *
 * - A restarted worker reports counters from zero: the series adds the counts it had reached to a base, so nothing
 *   counted is lost and no window goes negative.
 * - An executor that moves to another slot (rebalance, failover) starts a new series; the old one keeps its counts,
 *   so all-time totals include work done before the move. Series of removed topologies are dropped by
 *   {@link retainTopologies}.
 * - Memory is bounded per series: samples are thinned with age (denser for short windows) and dropped once older than
 *   the longest window, except the one that starts it.
 * - An executor first heard of inside a window (for example after a nimbus restart) counts from zero only if it
 *   started inside the window; otherwise from the first snapshot heard, which undercounts rather than overcounts.
 */
export class StatsWindows {
  private readonly series = new Map<string, Series>();
  private readonly tiers: Array<{ maxAgeMs: number; spacingMs: number }>;
  private readonly clock: Clock;

  constructor(options: StatsWindowsOptions = {}) {
    this.clock = options.clock ?? systemClock;
    const longest = (options.longestWindowSecs ?? 86400) * 1000;
    const per = options.samplesPerWindow ?? 30;
    const windows = [...new Set([...STATS_WINDOWS_SECS.filter((w) => w > 0).map((w) => w * 1000), longest])]
      .filter((w) => w <= longest)
      .sort((a, b) => a - b);
    // A sample may serve as a window's start while it is up to a little more than the window old.
    this.tiers = windows.map((w) => ({ maxAgeMs: w + (2 * w) / per, spacingMs: w / per }));
  }

  /** Records the snapshots one worker slot reported (cumulative since each executor started), stamped now. */
  record(topologyId: string, supervisorId: string, port: number, executors: readonly ExecutorStatsSnapshot[]): void {
    const nowMs = this.clock.wallMs();
    for (const raw of executors) {
      const key = `${topologyId}/${raw.component}[${raw.startTask}-${raw.endTask}]@${supervisorId}:${port}`;
      let series = this.series.get(key);
      if (!series) {
        series = { topologyId, supervisorId, port, base: undefined, lastRaw: raw, samples: [] };
        this.series.set(key, series);
      } else if (isReset(series.lastRaw, raw)) {
        series.base = series.base ? addSnapshots(series.base, series.lastRaw) : series.lastRaw;
      }
      series.lastRaw = raw;
      series.samples.push({ t: nowMs, s: compact(series.base ? addSnapshots(series.base, raw) : raw) });
      this.thin(series, nowMs);
    }
  }

  /**
   * One snapshot per executor series of `topologyId` holding what it counted in the last `windowSecs` seconds (0: all
   * time); `uptimeMs` and `busyMs` are the window's share, so capacity comes out per window. Series not heard from
   * within the window are left out.
   */
  window(topologyId: string, windowSecs: number): WindowedExecutor[] {
    const nowMs = this.clock.wallMs();
    const out: WindowedExecutor[] = [];
    const push = (series: Series, stats: ExecutorStatsSnapshot) =>
      out.push({ supervisorId: series.supervisorId, port: series.port, stats });
    const cutoff = nowMs - windowSecs * 1000;
    for (const series of this.series.values()) {
      if (series.topologyId !== topologyId) continue;
      const newest = series.samples.at(-1)!;
      if (windowSecs === 0) {
        push(series, newest.s);
        continue;
      }
      if (newest.t <= cutoff) continue;
      let start: Sample | undefined;
      for (const sample of series.samples) if (sample.t <= cutoff) start = sample;
      if (!start) {
        const first = series.samples[0]!;
        // Started inside the window: everything it counted is in it. Otherwise we only know since `first`.
        if (first.t - first.s.uptimeMs >= cutoff) {
          push(series, newest.s);
          continue;
        }
        start = first;
      }
      push(series, subtractSnapshots(newest.s, start.s));
    }
    return out;
  }

  /** Drops the series of topologies not in `ids` (killed and removed). */
  retainTopologies(ids: Iterable<string>): void {
    const keep = new Set(ids);
    for (const [key, s] of this.series) if (!keep.has(s.topologyId)) this.series.delete(key);
  }

  /** Number of samples held, for tests of the memory bound. */
  sampleCount(): number {
    let n = 0;
    for (const s of this.series.values()) n += s.samples.length;
    return n;
  }

  private thin(series: Series, nowMs: number): void {
    const samples = series.samples;
    if (samples.length < 3) return;
    const kept: Sample[] = [];
    const longestAge = this.tiers.at(-1)?.maxAgeMs ?? 0;
    for (let i = 0; i < samples.length; i++) {
      const sample = samples[i]!;
      const age = nowMs - sample.t;
      const isNewest = i === samples.length - 1;
      if (!isNewest && age > longestAge) {
        // Older than every window needs: keep only the newest such sample, the start of the longest window.
        const next = samples[i + 1]!;
        if (nowMs - next.t > longestAge) continue;
        kept.push(sample);
        continue;
      }
      const prev = kept.at(-1);
      const spacing = this.tiers.find((tier) => age <= tier.maxAgeMs)?.spacingMs ?? 0;
      if (isNewest || !prev || sample.t - prev.t >= spacing) kept.push(sample);
    }
    series.samples = kept;
  }
}

/** Histograms without their trailing empty buckets: most latencies sit in the first half, so samples take less memory. */
function compact(s: ExecutorStatsSnapshot): ExecutorStatsSnapshot {
  const trim = (h: HistogramSnapshot): HistogramSnapshot => {
    const counts = trimmedCounts(h.counts);
    return counts.length === h.counts.length ? h : { ...h, counts };
  };
  return {
    ...s,
    histograms: {
      execute: trim(s.histograms.execute),
      process: trim(s.histograms.process),
      complete: trim(s.histograms.complete),
    },
  };
}

/** What one executor counted in a window, on one slot. */
export interface WindowedExecutor {
  supervisorId: string;
  port: number;
  stats: ExecutorStatsSnapshot;
}

/** Whether `next` comes from a new incarnation of the executor (its counters started again from zero). */
function isReset(prev: ExecutorStatsSnapshot, next: ExecutorStatsSnapshot): boolean {
  if (next.uptimeMs < prev.uptimeMs) return true;
  const total = (s: ExecutorStatsSnapshot) =>
    Object.values(s.outputs).reduce((n, o) => n + o.emitted, 0) +
    Object.values(s.inputs).reduce((n, i) => n + i.executed, 0) +
    Object.values(s.completions).reduce((n, c) => n + c.acked + c.failed, 0);
  return total(next) < total(prev);
}

type Combine = (a: number, b: number) => number;
type HistogramMax = (a: HistogramSnapshot, b: HistogramSnapshot, counts: number[]) => number;

function combineRecords<T extends Record<string, number>>(
  a: Record<string, T>,
  b: Record<string, T>,
  f: Combine,
): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[key];
    const y = b[key];
    const fields = Object.keys(x ?? y!) as Array<keyof T>;
    const r = {} as Record<keyof T, number>;
    for (const f2 of fields) r[f2] = f(Number(x?.[f2] ?? 0), Number(y?.[f2] ?? 0));
    out[key] = r as T;
  }
  return out;
}

/** `f` applied bucket by bucket (never below 0), the max chosen by `max`. */
export function combineHistograms(
  a: HistogramSnapshot,
  b: HistogramSnapshot,
  f: Combine,
  max: HistogramMax,
): HistogramSnapshot {
  const len = Math.max(a.counts.length, b.counts.length);
  const counts: number[] = [];
  for (let i = 0; i < len; i++) counts.push(Math.max(0, f(a.counts[i] ?? 0, b.counts[i] ?? 0)));
  return {
    counts,
    count: Math.max(0, f(a.count, b.count)),
    sumMs: Math.max(0, f(a.sumMs, b.sumMs)),
    maxMs: max(a, b, counts),
  };
}

function combine(
  a: ExecutorStatsSnapshot,
  b: ExecutorStatsSnapshot,
  f: Combine,
  max: HistogramMax,
): ExecutorStatsSnapshot {
  return {
    component: a.component,
    startTask: a.startTask,
    endTask: a.endTask,
    kind: a.kind,
    uptimeMs: f(a.uptimeMs, b.uptimeMs),
    busyMs: f(a.busyMs, b.busyMs),
    outputs: combineRecords(a.outputs, b.outputs, f),
    inputs: combineRecords(a.inputs, b.inputs, f),
    completions: combineRecords(a.completions, b.completions, f),
    histograms: {
      execute: combineHistograms(a.histograms.execute, b.histograms.execute, f, max),
      process: combineHistograms(a.histograms.process, b.histograms.process, f, max),
      complete: combineHistograms(a.histograms.complete, b.histograms.complete, f, max),
    },
  };
}

/** `a + b`, counter by counter (an incarnation's totals added to earlier ones). */
export function addSnapshots(a: ExecutorStatsSnapshot, b: ExecutorStatsSnapshot): ExecutorStatsSnapshot {
  return combine(
    a,
    b,
    (x, y) => x + y,
    (x, y) => Math.max(x.maxMs, y.maxMs),
  );
}

/** `newer - older`: what was counted between two cumulative snapshots of the same series. */
export function subtractSnapshots(newer: ExecutorStatsSnapshot, older: ExecutorStatsSnapshot): ExecutorStatsSnapshot {
  // The max of a window is not derivable from cumulative maxima: take the upper bound of its highest non-empty
  // bucket, capped by the all-time max.
  return combine(
    newer,
    older,
    (x, y) => x - y,
    (h, _older, counts) => {
      for (let i = counts.length - 1; i >= 0; i--) if (counts[i]! > 0) return Math.min(h.maxMs, bucketUpperMs(i));
      return 0;
    },
  );
}
