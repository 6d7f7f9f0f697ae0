/**
 * Storm's `WindowManager`: holds the events of a window in arrival order, asks the eviction policy which ones
 * expire, are processed (in the window), kept for a later window, or stop the scan, and hands each firing to a
 * listener. Single-threaded: every call runs on the worker's event loop.
 */

/**
 * One event in the window as a policy sees it: a tuple (or any value) with its timestamp, or a watermark. Valid only
 * during the call it is passed to (the manager reuses one object).
 */
export interface WindowEvent<T> {
  value: T | undefined;
  /** Processing time (arrival) or event time, epoch ms. */
  ts: number;
  watermark: boolean;
  /** Number of the last firing whose window held this event (for `getNew`). */
  gen: number;
}

/** What an eviction policy decides for one event. */
export type EvictionAction = 'EXPIRE' | 'PROCESS' | 'KEEP' | 'STOP';

/** Reference point of a firing (Storm's `EvictionContext`). */
export interface EvictionContext {
  /** The window end: events after it are kept for later windows. */
  readonly referenceTime: number;
  /** Events with timestamp <= referenceTime (count windows on event time). */
  readonly currentCount?: number;
  /** Sliding interval in tuples (count windows on event time). */
  readonly slidingCount?: number;
}

/** Decides which events leave the window. */
export interface EvictionPolicy<T> {
  evict(event: WindowEvent<T>): EvictionAction;
  track(event: WindowEvent<T>): void;
  setContext(context: EvictionContext): void;
  getContext(): EvictionContext | undefined;
  /**
   * For policies where, once the expired events are behind, every event with timestamp <= the returned bound is
   * PROCESS and every later one KEEP, provided timestamps never decrease in arrival order: lets a full scan skip
   * asking about each event. Undefined when that does not hold (yet).
   */
  orderedBound?(): number | undefined;
}

/** Decides when the window fires. */
export interface TriggerPolicy<T> {
  track(event: WindowEvent<T>): void;
  /** Called after every firing. */
  reset(): void;
  start(): void;
  shutdown(): void;
}

/** Receives expiries and firings. */
export interface WindowLifecycleListener<T> {
  /** Events that left the window (a tuple is acked here). */
  onExpiry(values: T[]): void;
  /** A firing: the window, what is new since the last firing, what expired since, and the reference time. */
  onActivation(values: T[], newValues: T[], expired: T[], referenceTime: number): void;
}

/** Scan for expired events after this many additions, so a window that seldom fires stays bounded. */
const EXPIRE_EVENTS_THRESHOLD = 100;

/**
 * The events of one windowed bolt task and the policies that evict and fire them. Events are kept as parallel arrays
 * (value, timestamp, last firing) rather than one object each: a window holds every tuple of its length, and one
 * object fewer per tuple is less for the garbage collector to trace.
 */
export class WindowManager<T> {
  /** Live events are at `[head, length)` of these arrays, in arrival order; expiring from the front moves `head`. */
  private values: Array<T | undefined> = [];
  private tss: number[] = [];
  private gens: number[] = [];
  private head = 0;
  private expired: T[] = [];
  private eventsSinceLastExpiry = 0;
  private generation = 0;
  /** Whether timestamps never decreased in arrival order (always so for processing time on a monotonic clock). */
  private ordered = true;
  private lastTs = -Infinity;
  /** The one event object handed to policies (they read it during the call and do not keep it). */
  private readonly probe: WindowEvent<T> = { value: undefined, ts: 0, watermark: false, gen: -1 };
  evictionPolicy!: EvictionPolicy<T>;
  triggerPolicy!: TriggerPolicy<T>;

  constructor(private readonly listener: WindowLifecycleListener<T>) {}

  private at(i: number): WindowEvent<T> {
    const p = this.probe;
    p.value = this.values[i];
    p.ts = this.tss[i]!;
    p.watermark = false;
    p.gen = this.gens[i]!;
    return p;
  }

  /** Adds a tuple (or a watermark, which is tracked by the policies but not stored). */
  add(value: T | undefined, ts: number, watermark = false): void {
    if (!watermark) {
      if (ts < this.lastTs) this.ordered = false;
      this.lastTs = ts;
      this.values.push(value);
      this.tss.push(ts);
      this.gens.push(-1);
    }
    const p = this.probe;
    p.value = value;
    p.ts = ts;
    p.watermark = watermark;
    p.gen = -1;
    this.evictionPolicy.track(p);
    this.triggerPolicy.track(p);
    if (++this.eventsSinceLastExpiry >= EXPIRE_EVENTS_THRESHOLD) this.scanEvents(false);
  }

  /** Adds a watermark event at `ts`. */
  addWatermark(ts: number): void {
    this.add(undefined, ts, true);
  }

  /** Fires the window; false when it held no events (the listener is then not called). */
  onTrigger(): boolean {
    const scan = this.scanEvents(true);
    const expired = this.expired;
    this.expired = [];
    const prev = this.generation++;
    const cur = this.generation;
    const gens = this.gens;
    let values: T[];
    let newValues: T[];
    if (scan.indexes === undefined) {
      // A contiguous range in arrival order: what was in the previous window is a prefix of it, the new events the rest.
      const { lo, hi } = scan;
      values = this.values.slice(lo, hi) as T[];
      let firstNew = hi;
      while (firstNew > lo && gens[firstNew - 1] !== prev) firstNew--;
      newValues = values.slice(firstNew - lo);
      gens.fill(cur, lo, hi);
    } else {
      values = [];
      newValues = [];
      for (const i of scan.indexes) {
        const v = this.values[i] as T;
        values.push(v);
        if (gens[i] !== prev) newValues.push(v);
        gens[i] = cur;
      }
    }
    if (values.length > 0)
      this.listener.onActivation(values, newValues, expired, this.evictionPolicy.getContext()?.referenceTime ?? 0);
    this.triggerPolicy.reset();
    return values.length > 0;
  }

  /**
   * Walks the events oldest first, removing the expired ones (handed to the listener at once) and returning the
   * indexes of those to process (valid until the next change). A partial scan stops at the first event that does
   * not expire; a full one goes on past events kept for later windows and stops where the policy says STOP.
   */
  private scanEvents(fullScan: boolean): { indexes: number[] | undefined; lo: number; hi: number } {
    const toExpire: T[] = [];
    const toProcess: number[] = [];
    let range: { lo: number; hi: number } | undefined;
    const policy = this.evictionPolicy;
    const n = this.values.length;
    /** Index of the first event not expired, and the expired ones after it (out-of-order timestamps). */
    let firstKept = -1;
    let holes: Set<number> | undefined;
    let i = this.head;
    for (; i < n; i++) {
      const action = policy.evict(this.at(i));
      if (action === 'EXPIRE') {
        toExpire.push(this.values[i] as T);
        if (firstKept >= 0) (holes ??= new Set()).add(i);
        else this.values[i] = undefined; // behind the new head: released now, cut off by compact later
        continue;
      }
      if (!fullScan || action === 'STOP') break;
      const bound = firstKept < 0 && this.ordered ? policy.orderedBound?.() : undefined;
      if (bound !== undefined) {
        // Past the expired front, in timestamp order: process up to the bound, keep the rest.
        firstKept = i;
        range = { lo: i, hi: upperBound(this.tss, i, n, bound) };
        break;
      }
      if (firstKept < 0) firstKept = i;
      if (action === 'PROCESS') toProcess.push(i);
    }
    if (holes) {
      const values: Array<T | undefined> = [];
      const tss: number[] = [];
      const gens: number[] = [];
      const remap = new Map<number, number>();
      for (let j = firstKept; j < n; j++) {
        if (holes.has(j)) continue;
        remap.set(j, values.length);
        values.push(this.values[j]);
        tss.push(this.tss[j]!);
        gens.push(this.gens[j]!);
      }
      this.values = values;
      this.tss = tss;
      this.gens = gens;
      this.head = 0;
      for (let k = 0; k < toProcess.length; k++) toProcess[k] = remap.get(toProcess[k]!)!;
    } else {
      this.head = firstKept >= 0 ? firstKept : i;
      const cut = this.compact();
      for (let k = 0; k < toProcess.length; k++) toProcess[k]! -= cut;
      if (range) {
        range.lo -= cut;
        range.hi -= cut;
      }
    }
    for (const v of toExpire) this.expired.push(v);
    this.eventsSinceLastExpiry = 0;
    if (toExpire.length > 0) this.listener.onExpiry(toExpire);
    return range ? { indexes: undefined, ...range } : { indexes: toProcess, lo: 0, hi: 0 };
  }

  /** Drops the expired front of the arrays once it is most of them; returns by how much indexes moved. */
  private compact(): number {
    const h = this.head;
    if (h < 1024 || h * 2 < this.values.length) return 0;
    this.values = this.values.slice(h);
    this.tss = this.tss.slice(h);
    this.gens = this.gens.slice(h);
    this.head = 0;
    return h;
  }

  /** Events (not watermarks) with timestamp <= `referenceTime`. */
  getEventCount(referenceTime: number): number {
    let n = 0;
    for (let i = this.head; i < this.tss.length; i++) if (this.tss[i]! <= referenceTime) n++;
    return n;
  }

  /** Smallest timestamp in (`startTs`, `endTs`], or Infinity when none. */
  getEarliestEventTs(startTs: number, endTs: number): number {
    let min = Infinity;
    for (let i = this.head; i < this.tss.length; i++) {
      const ts = this.tss[i]!;
      if (ts > startTs && ts <= endTs && ts < min) min = ts;
    }
    return min;
  }

  /**
   * Firing times of a count-sliding window on event time: walking events with timestamp in (`startTs`, `endTs`],
   * the largest timestamp seen at every `slidingCount`-th of them.
   */
  getSlidingCountTimestamps(startTs: number, endTs: number, slidingCount: number): number[] {
    const out: number[] = [];
    if (endTs <= startTs) return out;
    let count = 0;
    let ts = -Infinity;
    for (let i = this.head; i < this.tss.length; i++) {
      const t = this.tss[i]!;
      if (t > startTs && t <= endTs) {
        ts = Math.max(ts, t);
        if (++count % slidingCount === 0) out.push(ts);
      }
    }
    return out;
  }

  /** Events currently held. */
  get size(): number {
    return this.values.length - this.head;
  }

  /** Stops the trigger policy's timers. */
  shutdown(): void {
    this.triggerPolicy.shutdown();
  }
}

/** First index in [lo, hi) of the non-decreasing `a` whose value exceeds `bound` (hi when none does). */
function upperBound(a: readonly number[], lo: number, hi: number, bound: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
