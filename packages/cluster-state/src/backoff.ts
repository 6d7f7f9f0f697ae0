import { setTimeout as delay } from 'node:timers/promises';

/** Exponential back-off between reconnection attempts. */
export interface RetryOptions {
  /** First delay. @default 1000 (Storm's `storm.zookeeper.retry.interval`) */
  initialDelayMs?: number;
  /** Ceiling of the delay. @default 30000 (Storm's `storm.zookeeper.retry.intervalceiling.millis`) */
  maxDelayMs?: number;
}

/**
 * The delay before attempt `attempt + 1`: doubling from `initialDelayMs`, capped at `maxDelayMs`, with ±20% jitter so
 * that a fleet of supervisors losing ZooKeeper together does not reconnect in lock-step.
 */
export function backoffDelay(attempt: number, options: RetryOptions = {}): number {
  const initial = options.initialDelayMs ?? 1000;
  const max = options.maxDelayMs ?? 30_000;
  const base = Math.min(max, initial * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** Sleeps `ms`; rejects with an `AbortError` as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal });
}
