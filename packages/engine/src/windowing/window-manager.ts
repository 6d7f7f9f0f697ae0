/**
 * Storm's `WindowManager`: holds the events of a window in arrival order, asks the eviction policy which ones
 * expire, are processed (in the window), kept for a later window, or stop the scan, and hands each firing to a
 * listener. Single-threaded: every call runs on the worker's event loop.
 */

/** One event in the window: a tuple (or any value) with its timestamp, or a watermark. */
export interface WindowEvent<T> {
  readonly value: T | undefined;
  /** Processing time (arrival) or event time, epoch ms. */
  readonly ts: number;
  readonly watermark: boolean;
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

/** The events of one windowed bolt task and the policies that evict and fire them. */
export class WindowManager<T> {
  /** Events in arrival order; `queue[head..]` are live (expiring from the front only advances `head`). */
  private queue: WindowEvent<T>[] = [];
  private head = 0;
  private expired: T[] = [];
  private eventsSinceLastExpiry = 0;
  private generation = 0;
  evictionPolicy!: EvictionPolicy<T>;
  triggerPolicy!: TriggerPolicy<T>;

  constructor(private readonly listener: WindowLifecycleListener<T>) {}

  /** Adds a tuple (or a watermark, which is tracked by the policies but not stored). */
  add(value: T | undefined, ts: number, watermark = false): void {
    const event: WindowEvent<T> = { value, ts, watermark, gen: -1 };
    if (!watermark) this.queue.push(event);
    this.evictionPolicy.track(event);
    this.triggerPolicy.track(event);
    if (++this.eventsSinceLastExpiry >= EXPIRE_EVENTS_THRESHOLD) this.scanEvents(false);
  }

  /** Adds a watermark event at `ts`. */
  addWatermark(ts: number): void {
    this.add(undefined, ts, true);
  }

  /** Fires the window; false when it held no events (the listener is then not called). */
  onTrigger(): boolean {
    const windowEvents = this.scanEvents(true);
    const expired = this.expired;
    this.expired = [];
    const prev = this.generation++;
    const cur = this.generation;
    const values: T[] = [];
    const newValues: T[] = [];
    for (const e of windowEvents) {
      values.push(e.value as T);
      if (e.gen !== prev) newValues.push(e.value as T);
      e.gen = cur;
    }
    if (values.length > 0) this.listener.onActivation(values, newValues, expired, this.evictionPolicy.getContext()?.referenceTime ?? 0);
    this.triggerPolicy.reset();
    return values.length > 0;
  }

  /**
   * Walks the events oldest first, removing the expired ones (handed to the listener at once) and returning those to
   * process. A partial scan stops at the first event that does not expire.
   */
  private scanEvents(fullScan: boolean): WindowEvent<T>[] {
    const toExpire: T[] = [];
    const toProcess: WindowEvent<T>[] = [];
    const q = this.queue;
    const policy = this.evictionPolicy;
    /** Index of the first event not expired, and whether any event after it expired (out-of-order timestamps). */
    let firstKept = -1;
    let holes = false;
    let i = this.head;
    for (; i < q.length; i++) {
      const e = q[i]!;
      const action = policy.evict(e);
      if (action === 'EXPIRE') {
        toExpire.push(e.value as T);
        if (firstKept >= 0) {
          holes = true;
          e.gen = -2; // marks it for removal below
        }
        continue;
      }
      if (!fullScan || action === 'STOP') break;
      if (firstKept < 0) firstKept = i;
      if (action === 'PROCESS') toProcess.push(e);
    }
    if (holes) {
      const kept: WindowEvent<T>[] = [];
      for (let j = firstKept; j < q.length; j++) if (q[j]!.gen !== -2) kept.push(q[j]!);
      this.queue = kept;
      this.head = 0;
    } else {
      this.head = firstKept >= 0 ? firstKept : i;
      if (this.head > 1024 && this.head * 2 > q.length) {
        this.queue = q.slice(this.head);
        this.head = 0;
      }
    }
    for (const v of toExpire) this.expired.push(v);
    this.eventsSinceLastExpiry = 0;
    if (toExpire.length > 0) this.listener.onExpiry(toExpire);
    return toProcess;
  }

  /** Events (not watermarks) with timestamp <= `referenceTime`. */
  getEventCount(referenceTime: number): number {
    let n = 0;
    for (let i = this.head; i < this.queue.length; i++) if (this.queue[i]!.ts <= referenceTime) n++;
    return n;
  }

  /** Smallest timestamp in (`startTs`, `endTs`], or Infinity when none. */
  getEarliestEventTs(startTs: number, endTs: number): number {
    let min = Infinity;
    for (let i = this.head; i < this.queue.length; i++) {
      const ts = this.queue[i]!.ts;
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
    for (let i = this.head; i < this.queue.length; i++) {
      const e = this.queue[i]!;
      if (e.ts > startTs && e.ts <= endTs) {
        ts = Math.max(ts, e.ts);
        if (++count % slidingCount === 0) out.push(ts);
      }
    }
    return out;
  }

  /** Events currently held. */
  get size(): number {
    return this.queue.length - this.head;
  }

  /** Stops the trigger policy's timers. */
  shutdown(): void {
    this.triggerPolicy.shutdown();
  }
}
