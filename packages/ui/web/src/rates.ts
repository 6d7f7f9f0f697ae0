// Current rates from cumulative counters: the difference between two successive samples over the time between them.

/** Tracks counters by key; `rate()` answers per second since the previous sample of the same key. */
export class RateTracker {
  private readonly last = new Map<string, { value: number; t: number }>();

  /**
   * Records `value` at `tMs` and returns the rate since the previous sample, or undefined on the first sample, when
   * the counter went backwards (a restarted worker starts from zero) or no time passed.
   */
  sample(key: string, value: number | undefined, tMs: number): number | undefined {
    if (value === undefined || !Number.isFinite(value)) return undefined;
    const prev = this.last.get(key);
    this.last.set(key, { value, t: tMs });
    if (!prev || value < prev.value || tMs <= prev.t) return undefined;
    return ((value - prev.value) * 1000) / (tMs - prev.t);
  }

  /** Forgets keys not sampled in this round (a removed component or edge). */
  retain(keys: Set<string>): void {
    for (const k of this.last.keys()) if (!keys.has(k)) this.last.delete(k);
  }
}

/**
 * The mean of a latency over the last interval, from two (mean, count) samples of an all-time average: the latency
 * chart shows what tuples take now, not since launch. Undefined when no tuple completed in between.
 */
export class IntervalMean {
  private prev: { mean: number; n: number } | undefined;

  sample(mean: number | undefined, n: number | undefined): number | undefined {
    if (mean === undefined || n === undefined || !Number.isFinite(mean) || !Number.isFinite(n)) return undefined;
    const prev = this.prev;
    this.prev = { mean, n };
    if (!prev || n <= prev.n) return undefined;
    const v = (mean * n - prev.mean * prev.n) / (n - prev.n);
    return v >= 0 ? v : undefined;
  }
}
