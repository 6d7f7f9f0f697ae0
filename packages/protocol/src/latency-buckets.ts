/**
 * The fixed log2 buckets of `LatencySummary.buckets`: bucket 0 counts samples under 1 µs, bucket i (1 ≤ i < 31)
 * samples in [2^(i-1), 2^i) µs, the last bucket everything from 2^30 µs (about 18 minutes). Fixed bounds let
 * histograms from any executor be summed bucket by bucket.
 */
export const LATENCY_BUCKET_COUNT = 32;

/** The bucket a latency of `ms` milliseconds falls in. Negative, NaN and sub-microsecond values go to bucket 0. */
export function latencyBucketIndex(ms: number): number {
  const micros = ms * 1000;
  if (!(micros >= 1)) return 0;
  if (micros >= 2 ** (LATENCY_BUCKET_COUNT - 2)) return LATENCY_BUCKET_COUNT - 1;
  // floor(log2) + 1 via the integer part; exact for every microsecond count below 2^30.
  return 32 - Math.clz32(Math.floor(micros));
}

/** Inclusive lower bound of bucket `index`, in milliseconds (0 for bucket 0). */
export function latencyBucketLowerBoundMs(index: number): number {
  return index <= 0 ? 0 : 2 ** (Math.min(index, LATENCY_BUCKET_COUNT - 1) - 1) / 1000;
}
