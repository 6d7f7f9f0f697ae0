import {
  ATTACH,
  EmitError,
  isTickTuple,
  LATE_TUPLE_FIELD,
  WINDOW_KEYS,
  type Anchors,
  type BoltLike,
  type OutputCollector,
  type OutputFieldsDeclarer,
  type TimestampExtractor,
  type TopologyContext,
  type Tuple,
  type TupleWindow,
  type Values,
  type WindowedBolt,
} from '@squall/api';
import type { Clock, Config } from '@squall/core';
import {
  CountEvictionPolicy,
  CountTriggerPolicy,
  TimeEvictionPolicy,
  TimeTriggerPolicy,
  WatermarkCountEvictionPolicy,
  WatermarkCountTriggerPolicy,
  WatermarkGenerator,
  WatermarkTimeEvictionPolicy,
  WatermarkTimeTriggerPolicy,
} from './policies';
import { WindowManager, type EvictionPolicy, type TriggerPolicy } from './window-manager';
import { DelegatingCollector } from '../delegating-collector';

/** A window configuration read from a bolt's merged configuration. */
export interface WindowSettings {
  lengthCount?: number;
  lengthMs?: number;
  slideCount?: number;
  slideMs?: number;
  timestampField?: string;
  lagMs: number;
  watermarkIntervalMs: number;
  lateTupleStream?: string;
}

const int = (conf: Config, key: string): number | undefined => {
  const v = conf[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};

/** Reads Storm's window keys; a missing sliding interval means one tuple. Throws when no length is set. */
export function windowSettings(conf: Config, component = '?'): WindowSettings {
  const s: WindowSettings = {
    lagMs: int(conf, WINDOW_KEYS.maxLagMs) ?? 0,
    watermarkIntervalMs: int(conf, WINDOW_KEYS.watermarkIntervalMs) ?? 1000,
  };
  const lengthCount = int(conf, WINDOW_KEYS.lengthCount);
  const lengthMs = int(conf, WINDOW_KEYS.lengthDurationMs);
  if (lengthCount !== undefined) s.lengthCount = lengthCount;
  else if (lengthMs !== undefined) s.lengthMs = lengthMs;
  else
    throw new Error(
      `windowed bolt '${component}': no window length (${WINDOW_KEYS.lengthCount} or ${WINDOW_KEYS.lengthDurationMs})`,
    );
  const slideCount = int(conf, WINDOW_KEYS.slideCount);
  const slideMs = int(conf, WINDOW_KEYS.slideDurationMs);
  if (slideCount !== undefined) s.slideCount = slideCount;
  else if (slideMs !== undefined) s.slideMs = slideMs;
  else s.slideCount = 1;
  const field = conf[WINDOW_KEYS.timestampField];
  if (typeof field === 'string' && field !== '') s.timestampField = field;
  const late = conf[WINDOW_KEYS.lateTupleStream];
  if (typeof late === 'string' && late !== '') s.lateTupleStream = late;
  return s;
}

/** Storm's `TupleWindowImpl`. */
class TupleWindowImpl implements TupleWindow {
  constructor(
    private readonly tuples: Tuple[],
    private readonly newTuples: Tuple[],
    private readonly expiredTuples: Tuple[],
    private readonly startTs: number | undefined,
    private readonly endTs: number,
  ) {}
  get(): Tuple[] {
    return this.tuples;
  }
  getNew(): Tuple[] {
    return this.newTuples;
  }
  getExpired(): Tuple[] {
    return this.expiredTuples;
  }
  getStartTimestamp(): number | undefined {
    return this.startTs;
  }
  getEndTimestamp(): number {
    return this.endTs;
  }
}

/**
 * Storm's `WindowedOutputCollector`: emits without explicit anchors are anchored to every tuple of the window being
 * executed; everything else goes to the task's collector.
 */
class WindowedOutputCollector extends DelegatingCollector {
  /** The tuples of the current firing. */
  window: readonly Tuple[] = [];
  override emit(a: string | Anchors | Values, b?: Anchors | Values, c?: Values): readonly number[] {
    const d = this.delegate;
    if (b === undefined) return d.emit(this.window, a as Values);
    if (c !== undefined) return d.emit(a as string, b as Anchors, c);
    if (typeof a === 'string') return d.emit(a, this.window, b as Values);
    return d.emit(a as Anchors, b as Values);
  }
  override emitDirect(taskId: number, a: string | Anchors | Values, b?: Anchors | Values, c?: Values): void {
    const d = this.delegate;
    if (typeof taskId !== 'number') throw new EmitError('emitDirect needs a task id as its first argument');
    if (b === undefined) d.emitDirect(taskId, this.window, a as Values);
    else if (c !== undefined) d.emitDirect(taskId, a as string, b as Anchors, c);
    else if (typeof a === 'string') d.emitDirect(taskId, a, this.window, b as Values);
    else d.emitDirect(taskId, a as Anchors, b as Values);
  }
}

/** What a late tuple is emitted as: a plain object, so it crosses workers like any value. */
export interface LateTuple {
  component: string;
  stream: string;
  task: number;
  fields: string[];
  values: unknown[];
  timestamp: number;
}

/**
 * Storm's `WindowedBoltExecutor`: runs a {@link WindowedBolt} as an ordinary bolt of the engine. Inputs go into a
 * {@link WindowManager}; count triggers fire as tuples arrive, duration triggers and watermarks on timers of the
 * worker's clock, so windows fire on time when input stops. Inputs are acked when they leave the window.
 */
export class WindowedBoltRunner implements BoltLike {
  private collector!: WindowedOutputCollector;
  private context!: TopologyContext;
  private manager!: WindowManager<Tuple>;
  private watermarks: WatermarkGenerator<Tuple> | undefined;
  private extractor: TimestampExtractor | undefined;
  private settings!: WindowSettings;
  private pending: Promise<void> | undefined;

  constructor(
    readonly bolt: WindowedBolt,
    private readonly clock: Clock,
  ) {}

  async prepare(conf: Config, context: TopologyContext, collector: OutputCollector): Promise<void> {
    this.context = context;
    this.collector = new WindowedOutputCollector(collector);
    const settings = (this.settings = windowSettings(conf, context.thisComponentId));
    const attach = (this.bolt as unknown as Record<symbol, unknown>)[ATTACH];
    if (typeof attach === 'function') attach.call(this.bolt, conf, context, this.collector);
    await this.bolt.prepare(conf, context, this.collector);

    const field = settings.timestampField;
    this.extractor =
      this.bolt.getTimestampExtractor() ?? (field !== undefined ? (t: Tuple) => t.getNumberByField(field) : undefined);
    const eventTime = this.extractor !== undefined;
    const manager = (this.manager = new WindowManager<Tuple>({
      onExpiry: (tuples) => {
        for (const t of tuples) collector.ack(t);
      },
      onActivation: (tuples, newTuples, expired, ts) => this.activate(tuples, newTuples, expired, ts),
    }));
    const report = (err: unknown) => collector.reportError(err);
    let eviction: EvictionPolicy<Tuple>;
    if (settings.lengthCount !== undefined)
      eviction = eventTime
        ? new WatermarkCountEvictionPolicy(settings.lengthCount)
        : new CountEvictionPolicy(settings.lengthCount);
    else
      eviction = eventTime
        ? new WatermarkTimeEvictionPolicy(settings.lengthMs!, settings.lagMs)
        : new TimeEvictionPolicy(settings.lengthMs!, this.clock);
    let trigger: TriggerPolicy<Tuple>;
    if (settings.slideCount !== undefined)
      trigger = eventTime
        ? new WatermarkCountTriggerPolicy(settings.slideCount, manager, eviction)
        : new CountTriggerPolicy(settings.slideCount, manager, eviction, this.clock);
    else
      trigger = eventTime
        ? new WatermarkTimeTriggerPolicy(settings.slideMs!, manager, eviction)
        : new TimeTriggerPolicy(settings.slideMs!, manager, eviction, this.clock, report);
    manager.evictionPolicy = eviction;
    manager.triggerPolicy = trigger;
    if (eventTime) {
      const streams = new Set<string>();
      for (const [component, byStream] of context.getThisSources())
        for (const stream of byStream.keys()) streams.add(`${component}:${stream}`);
      this.watermarks = new WatermarkGenerator(
        manager,
        streams,
        settings.lagMs,
        settings.watermarkIntervalMs,
        this.clock,
        report,
      );
      this.watermarks.start();
    }
    trigger.start();
  }

  private activate(tuples: Tuple[], newTuples: Tuple[], expired: Tuple[], endTs: number): void {
    this.collector.window = tuples;
    const startTs = this.settings.lengthMs !== undefined ? endTs - this.settings.lengthMs : undefined;
    try {
      const r = this.bolt.execute(new TupleWindowImpl(tuples, newTuples, expired, startTs, endTs));
      if (r !== undefined && typeof (r as Promise<void>).then === 'function')
        this.pending = (r as Promise<void>).catch((err: unknown) => this.collector.reportError(err));
    } catch (err) {
      this.collector.reportError(err);
    }
  }

  execute(tuple: Tuple): void {
    if (isTickTuple(tuple)) {
      this.collector.ack(tuple);
      return;
    }
    if (this.extractor === undefined) {
      this.manager.add(tuple, this.clock.wallMs());
      return;
    }
    const ts = this.extractor(tuple);
    if (typeof ts !== 'number' || !Number.isFinite(ts)) {
      this.collector.fail(tuple);
      throw new Error(
        `windowed bolt '${this.context.thisComponentId}': tuple from '${tuple.sourceComponent}' stream '${tuple.sourceStreamId}' has timestamp ${String(ts)}, not a number of ms`,
      );
    }
    if (this.watermarks!.track(`${tuple.sourceComponent}:${tuple.sourceStreamId}`, ts)) {
      this.manager.add(tuple, ts);
      return;
    }
    const late = this.settings.lateTupleStream;
    if (late !== undefined) {
      const value: LateTuple = {
        component: tuple.sourceComponent,
        stream: tuple.sourceStreamId,
        task: tuple.sourceTask,
        fields: [...tuple.fields.names],
        values: [...tuple.values],
        timestamp: ts,
      };
      this.collector.emit(late, tuple, [value]);
    } else
      this.context.log.info(
        {
          source: tuple.sourceComponent,
          stream: tuple.sourceStreamId,
          timestamp: ts,
          watermark: this.watermarks!.watermark,
        },
        `late tuple with timestamp ${ts} (watermark ${this.watermarks!.watermark}): not processed`,
      );
    this.collector.ack(tuple);
  }

  async cleanup(): Promise<void> {
    this.watermarks?.shutdown();
    this.manager?.shutdown();
    if (this.pending) await this.pending;
    await this.bolt.cleanup();
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    this.bolt.declareOutputFields(declarer);
    const late = this.bolt.getComponentConfiguration()?.[WINDOW_KEYS.lateTupleStream];
    if (typeof late === 'string') declarer.declareStream(late, [LATE_TUPLE_FIELD]);
  }

  getComponentConfiguration(): Config | undefined {
    return this.bolt.getComponentConfiguration();
  }
}
