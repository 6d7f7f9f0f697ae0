/**
 * Storm's eviction and trigger policies (org.apache.storm.windowing), one class each. Processing time uses the
 * worker's {@link Clock}; event time is driven by watermark events.
 */
import type { Clock } from '@squall/core';
import type {
  EvictionAction,
  EvictionContext,
  EvictionPolicy,
  TriggerPolicy,
  WindowEvent,
  WindowManager,
} from './window-manager';

/** Keeps the last `threshold` events. */
export class CountEvictionPolicy<T> implements EvictionPolicy<T> {
  protected currentCount = 0;
  protected context: EvictionContext | undefined;
  constructor(protected readonly threshold: number) {}
  evict(_event: WindowEvent<T>): EvictionAction {
    if (this.currentCount > this.threshold) {
      this.currentCount--;
      return 'EXPIRE';
    }
    return 'PROCESS';
  }
  track(event: WindowEvent<T>): void {
    if (!event.watermark) this.currentCount++;
  }
  orderedBound(): number | undefined {
    return Infinity;
  }
  setContext(context: EvictionContext): void {
    this.context = context;
  }
  getContext(): EvictionContext | undefined {
    return this.context;
  }
}

/** Keeps events with `reference - length < ts <= reference`; later ones wait for a later window. */
export class TimeEvictionPolicy<T> implements EvictionPolicy<T> {
  protected context: EvictionContext | undefined;
  constructor(
    protected readonly windowLength: number,
    private readonly clock?: Clock,
  ) {}
  evict(event: WindowEvent<T>): EvictionAction {
    const now = this.context?.referenceTime ?? this.clock?.wallMs() ?? 0;
    const diff = now - event.ts;
    if (diff >= this.windowLength) return 'EXPIRE';
    if (diff < 0) return 'KEEP';
    return 'PROCESS';
  }
  track(_event: WindowEvent<T>): void {}
  setContext(context: EvictionContext): void {
    this.context = context;
  }
  getContext(): EvictionContext | undefined {
    return this.context;
  }
  orderedBound(): number | undefined {
    return this.context?.referenceTime;
  }
}

/** Event-time duration window: events more than `lag` past the reference stop the scan (they are far in the future). */
export class WatermarkTimeEvictionPolicy<T> extends TimeEvictionPolicy<T> {
  constructor(
    windowLength: number,
    private readonly lag: number,
  ) {
    super(windowLength);
  }
  override orderedBound(): number | undefined {
    return undefined;
  }
  override evict(event: WindowEvent<T>): EvictionAction {
    // Before the first watermark nothing can be decided: hold everything.
    if (this.context === undefined) return 'STOP';
    const diff = this.context.referenceTime - event.ts;
    if (diff < -this.lag) return 'STOP';
    if (diff < 0) return 'KEEP';
    return super.evict(event);
  }
}

/** Event-time count window: the last `threshold` events with timestamp <= the reference. */
export class WatermarkCountEvictionPolicy<T> extends CountEvictionPolicy<T> {
  private processed = 0;
  override orderedBound(): number | undefined {
    return undefined;
  }
  override evict(event: WindowEvent<T>): EvictionAction {
    if (this.context === undefined) return 'STOP';
    if (event.ts <= this.context.referenceTime && this.processed < this.currentCount) {
      const action = super.evict(event);
      if (action === 'PROCESS') this.processed++;
      return action;
    }
    return 'KEEP';
  }
  override track(_event: WindowEvent<T>): void {}
  override setContext(context: EvictionContext): void {
    this.context = context;
    this.currentCount = context.currentCount ?? this.processed + (context.slidingCount ?? 0);
    this.processed = 0;
  }
}

/** Fires every `count` events (processing time), with the reference time the clock's now. */
export class CountTriggerPolicy<T> implements TriggerPolicy<T> {
  private currentCount = 0;
  private started = false;
  constructor(
    private readonly count: number,
    private readonly manager: WindowManager<T>,
    private readonly eviction: EvictionPolicy<T>,
    private readonly clock: Clock,
  ) {}
  track(event: WindowEvent<T>): void {
    if (this.started && !event.watermark && ++this.currentCount >= this.count) {
      this.eviction.setContext({ referenceTime: this.clock.wallMs() });
      this.manager.onTrigger();
    }
  }
  reset(): void {
    this.currentCount = 0;
  }
  start(): void {
    this.started = true;
  }
  shutdown(): void {}
}

/**
 * Fires every `intervalMs` of processing time on the worker's clock, at fixed rate from `start`: the n-th firing's
 * reference time is `start + n * interval - 1` (Storm excludes the current millisecond, in which tuples may still
 * arrive), so windows are exactly `interval` apart even when a timer runs late; a late timer catches up.
 */
export class TimeTriggerPolicy<T> implements TriggerPolicy<T> {
  private cancel: (() => void) | undefined;
  private nextDue = 0;
  private stopped = false;
  constructor(
    private readonly intervalMs: number,
    private readonly manager: WindowManager<T>,
    private readonly eviction: EvictionPolicy<T>,
    private readonly clock: Clock,
    private readonly onError: (err: unknown) => void,
  ) {}
  track(_event: WindowEvent<T>): void {}
  reset(): void {}
  start(): void {
    this.nextDue = this.clock.wallMs() + this.intervalMs;
    this.schedule();
  }
  private schedule(): void {
    if (this.stopped) return;
    this.cancel = this.clock.setTimer(Math.max(0, this.nextDue - this.clock.wallMs()), this.fire);
  }
  private readonly fire = (): void => {
    this.cancel = undefined;
    while (!this.stopped && this.nextDue <= this.clock.wallMs()) {
      const reference = this.nextDue - 1;
      this.nextDue += this.intervalMs;
      try {
        this.eviction.setContext({ referenceTime: reference });
        this.manager.onTrigger();
      } catch (err) {
        this.onError(err);
      }
    }
    this.schedule();
  };
  shutdown(): void {
    this.stopped = true;
    this.cancel?.();
  }
}

/** Event time: fires every `count` events whose timestamps the watermark has passed. */
export class WatermarkCountTriggerPolicy<T> implements TriggerPolicy<T> {
  private lastProcessedTs = 0;
  private started = false;
  constructor(
    private readonly count: number,
    private readonly manager: WindowManager<T>,
    private readonly eviction: EvictionPolicy<T>,
  ) {}
  track(event: WindowEvent<T>): void {
    if (!this.started || !event.watermark) return;
    for (const ts of this.manager.getSlidingCountTimestamps(this.lastProcessedTs, event.ts, this.count)) {
      this.eviction.setContext({ referenceTime: ts, slidingCount: this.count });
      this.manager.onTrigger();
      this.lastProcessedTs = ts;
    }
  }
  reset(): void {}
  start(): void {
    this.started = true;
  }
  shutdown(): void {}
}

/**
 * Event time: fires every window whose end the watermark has passed, windows ending on multiples of the sliding
 * interval; empty stretches are skipped to the next window holding an event.
 */
export class WatermarkTimeTriggerPolicy<T> implements TriggerPolicy<T> {
  private nextWindowEndTs = 0;
  private started = false;
  constructor(
    private readonly slidingIntervalMs: number,
    private readonly manager: WindowManager<T>,
    private readonly eviction: EvictionPolicy<T>,
  ) {}
  track(event: WindowEvent<T>): void {
    if (!this.started || !event.watermark) return;
    const watermarkTs = event.ts;
    let windowEndTs = this.nextWindowEndTs;
    while (windowEndTs <= watermarkTs) {
      const currentCount = this.manager.getEventCount(windowEndTs);
      this.eviction.setContext({ referenceTime: windowEndTs, currentCount });
      if (this.manager.onTrigger()) windowEndTs += this.slidingIntervalMs;
      else {
        const ts = this.nextAlignedWindowTs(windowEndTs, watermarkTs);
        if (ts === Infinity) break;
        windowEndTs = ts;
      }
    }
    this.nextWindowEndTs = windowEndTs;
  }
  private nextAlignedWindowTs(startTs: number, endTs: number): number {
    const nextTs = this.manager.getEarliestEventTs(startTs, endTs);
    if (nextTs === Infinity || nextTs % this.slidingIntervalMs === 0) return nextTs;
    return nextTs + (this.slidingIntervalMs - (nextTs % this.slidingIntervalMs));
  }
  reset(): void {}
  start(): void {
    this.started = true;
  }
  shutdown(): void {}
}

/**
 * Storm's `WaterMarkEventGenerator`: tracks the latest timestamp per input stream and every `intervalMs` adds a
 * watermark at the minimum of them (once every stream has delivered) minus `lagMs`, when it moved forward.
 */
export class WatermarkGenerator<T> {
  private readonly latest = new Map<string, number>();
  private lastWatermarkTs = 0;
  private cancel: (() => void) | undefined;
  private stopped = false;
  constructor(
    private readonly manager: WindowManager<T>,
    private readonly inputStreams: ReadonlySet<string>,
    private readonly lagMs: number,
    private readonly intervalMs: number,
    private readonly clock: Clock,
    private readonly onError: (err: unknown) => void,
  ) {}
  /** Records `ts` for `stream`; false when the tuple is late (older than the last watermark). */
  track(stream: string, ts: number): boolean {
    const cur = this.latest.get(stream);
    if (cur === undefined || ts > cur) this.latest.set(stream, ts);
    return ts >= this.lastWatermarkTs;
  }
  /** The last watermark emitted (0 before the first). */
  get watermark(): number {
    return this.lastWatermarkTs;
  }
  /** Computes the watermark now and adds it to the window when it advanced. */
  run(): void {
    let ts = 0;
    if (this.latest.size >= this.inputStreams.size) {
      ts = Infinity;
      for (const v of this.latest.values()) ts = Math.min(ts, v);
    }
    const watermark = ts - this.lagMs;
    if (watermark > this.lastWatermarkTs) {
      this.lastWatermarkTs = watermark;
      this.manager.addWatermark(watermark);
    }
  }
  start(): void {
    const tick = (): void => {
      if (this.stopped) return;
      try {
        this.run();
      } catch (err) {
        this.onError(err);
      }
      this.cancel = this.clock.setTimer(this.intervalMs, tick);
    };
    this.cancel = this.clock.setTimer(this.intervalMs, tick);
  }
  shutdown(): void {
    this.stopped = true;
    this.cancel?.();
  }
}
