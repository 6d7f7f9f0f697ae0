import { performance } from 'node:perf_hooks';

/**
 * Time source injected into everything that measures or waits, so tests can drive time and local mode, workers and
 * unit tests run the same executor code.
 */
export interface Clock {
  /** Monotonic milliseconds (fractional), for latencies and timeouts. Never goes backwards. */
  monotonicMs(): number;
  /** Wall-clock milliseconds since the epoch, for timestamps shown to users. */
  wallMs(): number;
  /** Calls `fn` after `ms` milliseconds; returns a cancel function. */
  setTimer(ms: number, fn: () => void): () => void;
}

/** The real clock: `performance.now()`, `Date.now()` and unref'd Node timers. */
export const systemClock: Clock = {
  monotonicMs: () => performance.now(),
  wallMs: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

/**
 * A clock that moves only when told to. Timers fire synchronously inside {@link ManualClock.advance} in due order.
 */
export class ManualClock implements Clock {
  private now = 0;
  private timers: Array<{ due: number; fn: () => void; seq: number }> = [];
  private seq = 0;

  constructor(startMs = 0) {
    this.now = startMs;
  }
  monotonicMs(): number {
    return this.now;
  }
  wallMs(): number {
    return this.now;
  }
  setTimer(ms: number, fn: () => void): () => void {
    const entry = { due: this.now + ms, fn, seq: this.seq++ };
    this.timers.push(entry);
    return () => {
      this.timers = this.timers.filter((t) => t !== entry);
    };
  }
  /** Moves time forward by `ms`, firing every timer that falls due (including ones scheduled while firing). */
  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      const next = this.timers.filter((t) => t.due <= target).sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.now = Math.max(this.now, next.due);
      next.fn();
    }
    this.now = target;
  }
}
