import type { Fields, Values } from '@squall/api';
import { performance } from 'node:perf_hooks';
import type { Logger } from '@squall/core';

/** What a tap selects: a component (or all), a stream (or all), a sampling percentage and field filters. */
export interface TapSelector {
  /** Only this component's emits; undefined or '' for every component. */
  component?: string | undefined;
  /** Only this stream; undefined or '' for every stream. */
  stream?: string | undefined;
  /** Percentage of matching tuples taken, in (0, 100]. */
  samplePct: number;
  /** Every filter must hold: the tuple's field `field`, as text (strings as they are, others as JSON), equals `value`. */
  filters?: ReadonlyArray<{ field: string; value: string }> | undefined;
  /**
   * Most tuples per second the tap takes (after selection and sampling), as a token bucket holding one second's
   * worth; the rest are skipped before they are copied, and counted in {@link TapSubscription.rateCapped}. 0 or
   * undefined: no cap.
   */
  maxPerSec?: number | undefined;
}

/** A tapped tuple: a copy taken at emit time (its values already serialised, so later mutation cannot change it). */
export interface TappedTuple {
  /** Wall-clock ms at emit. */
  timeMs: number;
  component: string;
  task: number;
  stream: string;
  fields: readonly string[];
  /** The values as a JSON array (see {@link tapJson}). */
  valuesJson: string;
  /** The spout message id as JSON, for a tracked spout emit; '' otherwise. */
  messageIdJson: string;
}

/** Longest JSON kept for a tuple's values; longer ones are cut and marked (a tap is for looking, not for copying data). */
export const MAX_TAPPED_VALUES_CHARS = 16 * 1024;
/** Tuples a tap buffers before it drops (the reader is slower than the emits). */
export const DEFAULT_TAP_BUFFER = 2048;
/** Most taps one worker serves at once; a further one is refused. */
export const MAX_TAPS_PER_WORKER = 64;
/** Buffered tuples at which a tap's reader is told again (a batch is ready): a burst is sent before the buffer fills. */
export const TAP_BATCH_READY = 256;

/**
 * The rate cap a tap gets, tuples per second per worker (0: none): the one it asked for (0: none asked), never above
 * the topology's `topology.tap.max.tuples.per.sec` (`ceiling`; 0 there: no cap unless the tap asks for one).
 */
export function tapRateCap(requested: number, ceiling: number): number {
  const r = requested > 0 ? requested : 0;
  const c = ceiling > 0 ? ceiling : 0;
  if (c === 0) return r;
  return r === 0 ? c : Math.min(r, c);
}

/**
 * JSON of tuple values, for people: BigInts as strings, binary as `{"base64": ...}`, cycles and functions as
 * placeholders; never throws. Cut at {@link MAX_TAPPED_VALUES_CHARS}.
 */
export function tapJson(value: unknown): string {
  const seen = new Set<unknown>();
  let text: string;
  try {
    text =
      JSON.stringify(value, function (this: unknown, _key: string, v: unknown) {
        if (typeof v === 'bigint') return v.toString();
        if (typeof v === 'function' || typeof v === 'symbol') return `[${typeof v}]`;
        if (v === undefined) return null;
        if (v instanceof Uint8Array)
          return { base64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
        if (v !== null && typeof v === 'object') {
          // Buffer#toJSON runs before this replacer sees it: {type: 'Buffer', data: [...]}.
          const b = v as { type?: unknown; data?: unknown };
          if (b.type === 'Buffer' && Array.isArray(b.data))
            return { base64: Buffer.from(b.data as number[]).toString('base64') };
          if (seen.has(v)) return '[cycle]';
          seen.add(v);
        }
        return v;
      }) ?? 'null';
  } catch (err) {
    text = JSON.stringify(`[not serialisable: ${(err as Error).message}]`);
  }
  return text.length > MAX_TAPPED_VALUES_CHARS
    ? JSON.stringify(`[${text.length} characters, cut] ${text.slice(0, MAX_TAPPED_VALUES_CHARS)}`)
    : text;
}

/** A value as a filter compares it: strings as they are, anything else as its JSON. */
function filterText(v: unknown): string {
  return typeof v === 'string' ? v : tapJson(v);
}

/**
 * One active tap: its selector, a rate cap, and a bounded buffer its reader empties with {@link take}. A tuple over
 * the cap is skipped before it is copied (it costs a comparison) and counted; when the buffer is full, further
 * matching tuples are dropped and counted (the topology never waits for a tap).
 */
export class TapSubscription {
  private buffer: TappedTuple[] = [];
  /** Tuples dropped because the buffer was full, since the tap started. */
  dropped = 0;
  /** Tuples skipped because the tap was over its rate cap ({@link TapSelector.maxPerSec}), since the tap started. */
  rateCapped = 0;
  /** Tuples taken into the buffer, since the tap started. */
  tapped = 0;
  /** The cap in tuples per second; Infinity when there is none. */
  readonly maxPerSec: number;
  /** Token bucket of the cap: tuples the tap may still take, at most one second's worth. */
  private tokens: number;
  /** Monotonic ms when {@link tokens} was last refilled. */
  private refilledMs: number;
  private readonly fraction: number;
  /** ln(1 - fraction), for {@link nextSkip}. */
  private readonly logMiss: number;
  /** Matching tuples still to pass over before the next sampled one (sampling below 100%). */
  private skip = 0;
  private readonly component: string;
  private readonly stream: string;
  private readonly filters: ReadonlyArray<{ field: string; value: string }>;
  /** Field index of each filter per stream fields, cached by Fields identity. */
  private readonly filterIndex = new Map<Fields, number[] | null>();
  private notifyScheduled = false;

  constructor(
    selector: TapSelector,
    private readonly capacity: number,
    /**
     * Called (once per event-loop turn at most) when the buffer went from empty to not empty, and again when it
     * reached {@link TAP_BATCH_READY} tuples.
     */
    private readonly onData: () => void,
    /** Monotonic ms, read only when the bucket is empty (the runtime's per-pass time: a field read). */
    private readonly monotonicMs: () => number = () => performance.now(),
  ) {
    const cap = Number(selector.maxPerSec ?? 0);
    this.maxPerSec = cap > 0 ? cap : Infinity;
    this.tokens = Math.max(1, this.maxPerSec);
    this.refilledMs = this.maxPerSec === Infinity ? 0 : monotonicMs();
    this.fraction = Math.min(100, Math.max(0, selector.samplePct)) / 100;
    this.logMiss = Math.log1p(-this.fraction);
    if (this.fraction < 1) this.skip = this.nextSkip();
    this.component = selector.component ?? '';
    this.stream = selector.stream ?? '';
    this.filters = selector.filters ?? [];
  }

  /** Buffered tuples. */
  get size(): number {
    return this.buffer.length;
  }

  /** @internal Offers one emit; see {@link TapHub.offer}. */
  offer(
    component: string,
    task: number,
    stream: string,
    fields: Fields,
    values: Values,
    messageId: unknown,
    wallMs: () => number,
  ): void {
    if (this.component !== '' && this.component !== component) return;
    if (this.stream !== '' && this.stream !== stream) return;
    if (this.filters.length > 0 && !this.passes(fields, values)) return;
    if (this.fraction < 1) {
      if (this.skip > 0) {
        this.skip--;
        return;
      }
      this.skip = this.nextSkip();
    }
    if (this.tokens < 1 && !this.refill()) {
      this.rateCapped++;
      return;
    }
    // The cap counts what it lets through: a tuple the full buffer then drops used its token too.
    this.tokens--;
    if (this.buffer.length >= this.capacity) {
      this.dropped++;
      return;
    }
    this.tapped++;
    this.buffer.push({
      timeMs: wallMs(),
      component,
      task,
      stream,
      fields: fields.names,
      valuesJson: tapJson(values),
      messageIdJson: messageId === undefined || messageId === null ? '' : tapJson(messageId),
    });
    if ((this.buffer.length === 1 || this.buffer.length === TAP_BATCH_READY) && !this.notifyScheduled) {
      this.notifyScheduled = true;
      queueMicrotask(() => {
        this.notifyScheduled = false;
        this.onData();
      });
    }
  }

  /**
   * How many matching tuples to pass over before the next sampled one: a geometric draw, which makes the same choice
   * as a coin of probability {@link fraction} per tuple, at one random number per sampled tuple rather than per tuple.
   */
  private nextSkip(): number {
    if (this.fraction <= 0) return Infinity;
    return Math.floor(Math.log(1 - Math.random()) / this.logMiss);
  }

  /** Adds the tokens earned since the last refill (one second's worth at most); true when one is there now. */
  private refill(): boolean {
    if (this.maxPerSec === Infinity) return true;
    const now = this.monotonicMs();
    if (now > this.refilledMs) {
      this.tokens = Math.min(
        Math.max(1, this.maxPerSec),
        this.tokens + ((now - this.refilledMs) * this.maxPerSec) / 1000,
      );
      this.refilledMs = now;
    }
    return this.tokens >= 1;
  }

  private passes(fields: Fields, values: Values): boolean {
    let idx = this.filterIndex.get(fields);
    if (idx === undefined) {
      const found = this.filters.map((f) => fields.fieldIndex(f.field));
      idx = found.every((i) => i >= 0) ? found : null;
      this.filterIndex.set(fields, idx);
    }
    if (idx === null) return false;
    for (let i = 0; i < idx.length; i++) if (filterText(values[idx[i]!]) !== this.filters[i]!.value) return false;
    return true;
  }

  /** Removes and returns up to `max` buffered tuples, oldest first. */
  take(max: number): TappedTuple[] {
    if (this.buffer.length <= max) {
      const all = this.buffer;
      this.buffer = [];
      return all;
    }
    return this.buffer.splice(0, max);
  }
}

/** Storm's per-component debug switch: sampled emits go to the worker's log as event-log lines (and to taps). */
export interface DebugSampling {
  enabled: boolean;
  /** Percentage of emits logged, (0, 100]. */
  samplingPct: number;
}

/**
 * The emit-time hook of a worker: every task emitter calls {@link offer} when {@link armed} is true, which it is only
 * while a tap, a debug sampling switch or a capture listener is active, so an untapped topology pays one branch per
 * emit. Taps receive copies of the values (serialised at once), never the tuples themselves.
 */
export class TapHub {
  /** True while anything listens; read by the emitters on every emit. */
  armed = false;
  private subs: TapSubscription[] = [];
  private listener: ((component: string, stream: string, values: readonly unknown[]) => void) | undefined;
  /** Debug sampling per component; key '' is the whole topology's. */
  private readonly debug = new Map<string, DebugSampling>();

  constructor(
    private readonly log: Logger,
    private readonly wallMs: () => number = Date.now,
    /** Monotonic ms for the taps' rate caps; read only for a tap over its cap, so a cached per-pass time serves. */
    private readonly monotonicMs: () => number = () => performance.now(),
  ) {}

  /** Active taps. */
  get tapCount(): number {
    return this.subs.length;
  }

  /** Starts a tap; stop it with {@link remove}. */
  add(selector: TapSelector, onData: () => void, capacity = DEFAULT_TAP_BUFFER): TapSubscription {
    const sub = new TapSubscription(selector, capacity, onData, this.monotonicMs);
    this.subs = [...this.subs, sub];
    this.rearm();
    return sub;
  }

  /** Stops a tap (idempotent). */
  remove(sub: TapSubscription): void {
    this.subs = this.subs.filter((s) => s !== sub);
    this.rearm();
  }

  /** Sets the one capture listener that sees every emit unsampled (local mode's completeTopology). */
  setListener(listener: ((component: string, stream: string, values: readonly unknown[]) => void) | undefined): void {
    this.listener = listener;
    this.rearm();
  }

  /**
   * Sets Storm's debug switch for `component` ('' for the whole topology): while enabled, `samplingPct` percent of
   * the emits are logged as event-log lines. A component's own setting wins over the topology's.
   */
  setDebug(component: string, setting: DebugSampling | undefined): void {
    if (setting === undefined || !setting.enabled) this.debug.delete(component);
    else this.debug.set(component, { enabled: true, samplingPct: Math.min(100, Math.max(0, setting.samplingPct)) });
    this.rearm();
  }

  /** The debug sampling in force for `component` (its own, else the topology's), if any. */
  debugOf(component: string): DebugSampling | undefined {
    return this.debug.get(component) ?? this.debug.get('');
  }

  private rearm(): void {
    this.armed = this.subs.length > 0 || this.listener !== undefined || this.debug.size > 0;
  }

  /** Called by an emitter for each emit while {@link armed}. */
  offer(component: string, task: number, stream: string, fields: Fields, values: Values, messageId: unknown): void {
    this.listener?.(component, stream, values);
    const subs = this.subs;
    if (subs.length === 0 && this.debug.size === 0) return;
    if (this.debug.size > 0) {
      const d = this.debugOf(component);
      if (d !== undefined && (d.samplingPct >= 100 || Math.random() * 100 < d.samplingPct)) {
        this.log.info(
          {
            component,
            task,
            stream,
            fields: fields.names,
            values: JSON.parse(tapJson(values)) as unknown,
            ...(messageId !== undefined && messageId !== null
              ? { messageId: JSON.parse(tapJson(messageId)) as unknown }
              : {}),
            eventLog: true,
          },
          `event log: ${component}[${task}] emitted on ${stream}`,
        );
      }
    }
    // The clock is read only for tuples a tap takes: a 1% tap does not pay for it on the other 99%.
    for (let i = 0; i < subs.length; i++)
      subs[i]!.offer(component, task, stream, fields, values, messageId, this.wallMs);
  }
}
