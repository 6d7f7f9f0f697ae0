// The one latency bucket layout of Squall: workers record into it, nimbus windows it, stats.proto carries it, and
// the CLI, the UI and Prometheus read percentiles from it.

/** Sub-buckets per power of two of microseconds: 4 gives about 19% relative bucket width. */
export const HISTOGRAM_SUB_BUCKETS = 4;
const SUB = HISTOGRAM_SUB_BUCKETS;
/** Buckets cover 1 µs .. 2^32 µs (about 71 minutes); slower values land in the last bucket. */
export const HISTOGRAM_BUCKETS = 32 * SUB + 1;

/** Upper bound, in milliseconds, of histogram bucket `i`. */
export function bucketUpperMs(i: number): number {
  return Math.pow(2, (i + 1) / SUB) / 1000;
}

/**
 * A fixed-layout log-scale latency histogram. Counts are exact; bucket widths bound the error of percentiles.
 * Same layout in every process, so histograms merge by adding arrays.
 */
export class LatencyHistogram {
  readonly counts = new Float64Array(HISTOGRAM_BUCKETS);
  count = 0;
  sumMs = 0;
  maxMs = 0;

  /** Records `weight` samples of `ms` milliseconds. */
  record(ms: number, weight = 1): void {
    const us = ms * 1000;
    let i = us <= 1 ? 0 : Math.floor(Math.log2(us) * SUB);
    if (i >= HISTOGRAM_BUCKETS) i = HISTOGRAM_BUCKETS - 1;
    this.counts[i]! += weight;
    this.count += weight;
    this.sumMs += ms * weight;
    if (ms > this.maxMs) this.maxMs = ms;
  }
  /** A plain-data copy. */
  snapshot(): HistogramSnapshot {
    return { counts: Array.from(this.counts), count: this.count, sumMs: this.sumMs, maxMs: this.maxMs };
  }
}

/** Serializable histogram state. */
export interface HistogramSnapshot {
  counts: number[];
  count: number;
  sumMs: number;
  maxMs: number;
}

/** An empty snapshot. */
export function emptyHistogram(): HistogramSnapshot {
  return { counts: new Array<number>(HISTOGRAM_BUCKETS).fill(0), count: 0, sumMs: 0, maxMs: 0 };
}

/** Adds `b` into `a` (mutates and returns `a`). */
export function mergeHistogram(a: HistogramSnapshot, b: HistogramSnapshot): HistogramSnapshot {
  for (let i = 0; i < a.counts.length; i++) a.counts[i]! += b.counts[i] ?? 0;
  a.count += b.count;
  a.sumMs += b.sumMs;
  a.maxMs = Math.max(a.maxMs, b.maxMs);
  return a;
}

/** The `q` quantile (0..1) estimated as the upper bound of its bucket, capped at the max seen; 0 when empty. */
export function quantileMs(h: HistogramSnapshot, q: number): number {
  if (h.count === 0) return 0;
  const target = q * h.count;
  let seen = 0;
  for (let i = 0; i < h.counts.length; i++) {
    seen += h.counts[i]!;
    if (seen >= target) return Math.min(bucketUpperMs(i), h.maxMs);
  }
  return h.maxMs;
}

/** Counts without their trailing empty buckets (most latencies sit in the first half; stats.proto allows it). */
export function trimmedCounts(counts: readonly number[]): number[] {
  let end = counts.length;
  while (end > 0 && counts[end - 1] === 0) end--;
  return counts.slice(0, end);
}
