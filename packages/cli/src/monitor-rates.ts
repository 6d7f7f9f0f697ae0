import type { ComponentSummary } from '@squall/stats';

/** One component's line of `squall monitor`: its all-time counters and their rates per second. */
export interface MonitorComponent {
  kind: ComponentSummary['kind'];
  executors: number;
  emitted: number;
  executed: number;
  acked: number;
  failed: number;
  emittedPerSec: number;
  executedPerSec: number;
  ackedPerSec: number;
  failedPerSec: number;
  completeLatencyMs: number;
  processLatencyMs: number;
  executeLatencyMs: number;
  capacity: number;
}

/** A reading of {@link MonitorRates}. */
export interface MonitorReading {
  components: Record<string, MonitorComponent>;
  /** The seconds the rates span: between the two last readings in which the counters moved. */
  intervalSecs: number;
  /** False when no counter moved since the previous reading (no stats heartbeat reached nimbus): the rates are the last known ones. */
  newHeartbeat: boolean;
}

type Readings = Record<string, ComponentSummary>;

const COUNTERS = ['emitted', 'executed', 'acked', 'failed'] as const;
type Counter = (typeof COUNTERS)[number];

const moved = (a: Readings, b: Readings): boolean =>
  Object.keys(a).length !== Object.keys(b).length ||
  Object.entries(a).some(([id, c]) => COUNTERS.some((k) => c[k] !== b[id]?.[k]));

/**
 * Turns nimbus's all-time counters, read every interval, into per-second rates. The counters only move when a
 * supervisor's stats heartbeat arrives, so rates are taken between readings in which they moved (an interval that
 * straddles two heartbeats is not read as double the rate, one without any as 0/s): a reading with nothing new repeats
 * the last rates, until `staleAfterSecs` without a change, after which they read 0/s (the topology stopped or its
 * stats no longer arrive). The first reading only sets the base: no rates until the counters move (or the stale
 * limit passes).
 */
export class MonitorRates {
  private base: { at: number; counters: Readings } | undefined;
  private last: MonitorReading | undefined;

  constructor(private readonly staleAfterSecs: number) {}

  /** Feeds one reading taken at `atMs`; returns undefined while there are no rates yet. */
  next(now: Readings, atMs: number): MonitorReading | undefined {
    const base = this.base;
    if (!base) {
      this.base = { at: atMs, counters: now };
      return undefined;
    }
    const secs = (atMs - base.at) / 1000;
    if (!moved(now, base.counters)) {
      const fresh = secs <= this.staleAfterSecs;
      const carried = fresh ? this.last : undefined;
      if (carried)
        return {
          ...carried,
          components: rows(now, (id, k) => carried.components[id]?.[`${k}PerSec`] ?? 0),
          newHeartbeat: false,
        };
      // No heartbeat since the base yet: wait for one rather than print zeros, up to the stale limit.
      if (fresh && !this.last) return undefined;
      return { components: rows(now, () => 0), intervalSecs: secs, newHeartbeat: false };
    }
    // A counter that went down (a nimbus failover restarts its windows) reads 0/s rather than a negative rate.
    const delta = (id: string, k: Counter) =>
      secs > 0 ? Math.max(0, (now[id]![k] - (base.counters[id]?.[k] ?? 0)) / secs) : 0;
    this.base = { at: atMs, counters: now };
    this.last = { components: rows(now, delta), intervalSecs: secs, newHeartbeat: true };
    return this.last;
  }
}

/** Per-component rows: the counters of `now` and the rate `rate` gives for each. */
function rows(now: Readings, rate: (id: string, k: Counter) => number): Record<string, MonitorComponent> {
  const out: Record<string, MonitorComponent> = {};
  for (const [id, c] of Object.entries(now)) {
    out[id] = {
      kind: c.kind,
      executors: c.executors,
      emitted: c.emitted,
      executed: c.executed,
      acked: c.acked,
      failed: c.failed,
      emittedPerSec: rate(id, 'emitted'),
      executedPerSec: rate(id, 'executed'),
      ackedPerSec: rate(id, 'acked'),
      failedPerSec: rate(id, 'failed'),
      completeLatencyMs: c.completeLatencyMs,
      processLatencyMs: c.processLatencyMs,
      executeLatencyMs: c.executeLatencyMs,
      capacity: c.capacity,
    };
  }
  return out;
}
