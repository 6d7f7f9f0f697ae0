import type { Config } from '@squall/core';
import { ATTACH } from './components';
import type { OutputCollector } from './collectors';
import type { ComponentDeclaration, SpecOptions } from './component-declaration';
import type { TopologyContext } from './context';
import type { OutputFieldsDeclarer } from './output-declarer';
import type { Tuple } from './tuple';

/** Brand of WindowedBolt instances; a symbol rather than `instanceof` so two copies of this package agree. */
const WINDOWED_BOLT = Symbol.for('squall.windowedBolt');

/** Storm's window configuration keys, as set by the `with...` methods of {@link WindowedBolt}. */
export const WINDOW_KEYS = {
  lengthCount: 'topology.bolts.window.length.count',
  lengthDurationMs: 'topology.bolts.window.length.duration.ms',
  slideCount: 'topology.bolts.window.sliding.interval.count',
  slideDurationMs: 'topology.bolts.window.sliding.interval.duration.ms',
  timestampField: 'topology.bolts.tuple.timestamp.field.name',
  timestampExtractor: 'topology.bolts.tuple.timestamp.extractor',
  maxLagMs: 'topology.bolts.tuple.timestamp.max.lag.ms',
  watermarkIntervalMs: 'topology.bolts.watermark.event.interval.ms',
  lateTupleStream: 'topology.bolts.late.tuple.stream',
} as const;

/** The single field of the late tuple stream (Storm's `WindowedBoltExecutor.LATE_TUPLE_FIELD`). */
export const LATE_TUPLE_FIELD = 'late_tuple';

/** A window length or sliding interval in tuples (Storm's `BaseWindowedBolt.Count`). */
export class Count {
  constructor(readonly value: number) {}
  static of(n: number): Count {
    return new Count(n);
  }
}

/** A window length, sliding interval or lag in milliseconds (Storm's `BaseWindowedBolt.Duration`). */
export class Duration {
  constructor(readonly value: number) {}
  static of(ms: number): Duration {
    return new Duration(ms);
  }
  static ms(ms: number): Duration {
    return new Duration(ms);
  }
  static seconds(s: number): Duration {
    return new Duration(s * 1000);
  }
  static minutes(m: number): Duration {
    return new Duration(m * 60_000);
  }
  static hours(h: number): Duration {
    return new Duration(h * 3_600_000);
  }
  static days(d: number): Duration {
    return new Duration(d * 86_400_000);
  }
}

/** Reads an event-time timestamp (epoch ms) from a tuple (Storm's `TimestampExtractor`). */
export type TimestampExtractor = (tuple: Tuple) => number;

/**
 * What a windowed bolt's `execute` gets each time its window fires (Storm's `TupleWindow`). A window holds the
 * tuples with `start < timestamp <= end` for duration windows, the last N for count windows.
 */
export interface TupleWindow {
  /** Every tuple in the window, oldest first. */
  get(): Tuple[];
  /** Tuples in this window that were not in the previous one. */
  getNew(): Tuple[];
  /** Tuples that left the window since it last fired (already acked). */
  getExpired(): Tuple[];
  /** Window start (exclusive) for duration windows: end minus the window length; undefined for count windows. */
  getStartTimestamp(): number | undefined;
  /** Reference time of this firing: the window end for time-triggered windows, the firing time otherwise. */
  getEndTimestamp(): number;
}

/** Window settings of {@link WindowedBolt.spec}: the declarative form of the `with...` methods. */
export interface WindowOptions {
  /** Window length: `Count.of(n)` or a `Duration`. */
  length: Count | Duration;
  /** Sliding interval. @default one tuple (or the length, when `tumbling`) */
  slide?: Count | Duration;
  /** A tumbling window: the slide equals the length. */
  tumbling?: boolean;
  /** Event time: the field holding each tuple's timestamp. */
  timestampField?: string;
  /** Event time: how late a tuple may arrive. @default 0 */
  lag?: Duration;
  /** Event time: how often the watermark advances. @default 1 s */
  watermarkInterval?: Duration;
  /** Event time: stream for late tuples (one field, `late_tuple`). */
  lateTupleStream?: string;
}

type Ctor<T> = new () => T;

/** The component configuration `window` stands for. */
export function windowConfig(window: WindowOptions): Config {
  const conf: Config = {};
  const put = (which: 'length' | 'slide', v: Count | Duration) => {
    const count = v instanceof Count;
    const key =
      which === 'length'
        ? count
          ? WINDOW_KEYS.lengthCount
          : WINDOW_KEYS.lengthDurationMs
        : count
          ? WINDOW_KEYS.slideCount
          : WINDOW_KEYS.slideDurationMs;
    conf[key] = v.value;
  };
  put('length', window.length);
  put('slide', window.slide ?? (window.tumbling ? window.length : Count.of(1)));
  if (window.timestampField !== undefined) conf[WINDOW_KEYS.timestampField] = window.timestampField;
  if (window.lag !== undefined) conf[WINDOW_KEYS.maxLagMs] = window.lag.value;
  if (window.watermarkInterval !== undefined) conf[WINDOW_KEYS.watermarkIntervalMs] = window.watermarkInterval.value;
  if (window.lateTupleStream !== undefined) conf[WINDOW_KEYS.lateTupleStream] = window.lateTupleStream;
  return conf;
}

/**
 * Base class of windowed bolts (Storm's `BaseWindowedBolt`). Configure the window on the instance, Storm style,
 * `() => new MyBolt().withWindow(Duration.minutes(5), Duration.minutes(1))`, in the constructor, or through
 * `MyBolt.spec({ window: {...} })`. `execute` gets a {@link TupleWindow} each time the window fires; emits
 * without explicit anchors are anchored to every tuple of the window, and each input is acked when it leaves the
 * window (do not ack inputs yourself).
 */
export abstract class WindowedBolt {
  /** @internal */
  readonly [WINDOWED_BOLT] = true;
  protected collector!: OutputCollector;
  protected context!: TopologyContext;
  protected conf!: Config;
  private readonly windowConfiguration: Config = {};
  private extractor: TimestampExtractor | undefined;

  /** Places this bolt in a declarative topology; `window` sets the window configuration. */
  static spec<T extends WindowedBolt>(
    this: Ctor<T>,
    options: SpecOptions & { window?: WindowOptions } = {},
  ): ComponentDeclaration {
    const { window, ...rest } = options;
    const config = window ? { ...windowConfig(window), ...(rest.config ?? {}) } : rest.config;
    const make = (): T => new this();
    return { kind: 'bolt', factory: make, options: config ? { ...rest, config } : rest };
  }

  /** A sliding window: `length` tuples or ms, firing every `slide` (one tuple when omitted, as in Storm). */
  withWindow(length: Count | Duration, slide: Count | Duration = Count.of(1)): this {
    delete this.windowConfiguration[WINDOW_KEYS.lengthCount];
    delete this.windowConfiguration[WINDOW_KEYS.lengthDurationMs];
    delete this.windowConfiguration[WINDOW_KEYS.slideCount];
    delete this.windowConfiguration[WINDOW_KEYS.slideDurationMs];
    Object.assign(this.windowConfiguration, windowConfig({ length, slide }));
    return this;
  }

  /** A tumbling window: consecutive, non-overlapping windows of `length` tuples or ms. */
  withTumblingWindow(length: Count | Duration): this {
    return this.withWindow(length, length);
  }

  /** Event time: the timestamp (epoch ms) of each tuple is its field `name`. */
  withTimestampField(name: string): this {
    this.windowConfiguration[WINDOW_KEYS.timestampField] = name;
    return this;
  }

  /** Event time: the timestamp (epoch ms) of each tuple is `extractor(tuple)`. */
  withTimestampExtractor(extractor: TimestampExtractor): this {
    this.extractor = extractor;
    this.windowConfiguration[WINDOW_KEYS.timestampExtractor] = true;
    return this;
  }

  /** Event time: tuples may arrive up to `lag` behind the newest timestamp seen; the watermark trails by it. */
  withLag(lag: Duration): this {
    this.windowConfiguration[WINDOW_KEYS.maxLagMs] = lag.value;
    return this;
  }

  /** Event time: how often the watermark is computed. @default 1 s */
  withWatermarkInterval(interval: Duration): this {
    this.windowConfiguration[WINDOW_KEYS.watermarkIntervalMs] = interval.value;
    return this;
  }

  /** Event time: emit late tuples on stream `streamId` (declared for you, one field `late_tuple`) instead of logging. */
  withLateTupleStream(streamId: string): this {
    this.windowConfiguration[WINDOW_KEYS.lateTupleStream] = streamId;
    return this;
  }

  /** The extractor set by {@link withTimestampExtractor}, if any. */
  getTimestampExtractor(): TimestampExtractor | undefined {
    return this.extractor;
  }

  [ATTACH](conf: Config, context: TopologyContext, collector: OutputCollector): void {
    this.conf = conf;
    this.context = context;
    this.collector = collector;
  }
  prepare(_conf: Config, _context: TopologyContext, _collector: OutputCollector): void | Promise<void> {}
  /** Handles one firing of the window. A thrown error is reported; the window's tuples are still acked on expiry. */
  abstract execute(window: TupleWindow): void | Promise<void>;
  cleanup(): void | Promise<void> {}
  declareOutputFields(_declarer: OutputFieldsDeclarer): void {}
  /** The window configuration set by the `with...` methods. Overrides should merge `super.getComponentConfiguration()`. */
  getComponentConfiguration(): Config | undefined {
    return { ...this.windowConfiguration };
  }
}

/** Whether `bolt` is a {@link WindowedBolt}. */
export function isWindowedBolt(bolt: unknown): bolt is WindowedBolt {
  return typeof bolt === 'object' && bolt !== null && (bolt as Record<symbol, unknown>)[WINDOWED_BOLT] === true;
}

/**
 * Build-time additions for a windowed bolt instance: declares its late tuple stream on `declarer` and returns
 * problems its configuration `conf` (component over topology) has that validation of the spec alone cannot see.
 */
export function prepareWindowedDeclaration(bolt: WindowedBolt, conf: Config, declarer: OutputFieldsDeclarer): string[] {
  const late = conf[WINDOW_KEYS.lateTupleStream];
  if (typeof late === 'string' && late !== '') declarer.declareStream(late, [LATE_TUPLE_FIELD]);
  if (conf[WINDOW_KEYS.lengthCount] == null && conf[WINDOW_KEYS.lengthDurationMs] == null)
    return [
      `windowed bolt ${bolt.constructor?.name ?? ''} has no window length: call withWindow or withTumblingWindow, or set ${WINDOW_KEYS.lengthCount} or ${WINDOW_KEYS.lengthDurationMs}`,
    ];
  return [];
}
