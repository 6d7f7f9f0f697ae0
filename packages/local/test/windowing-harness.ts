import {
  Spout,
  TopologyBuilder,
  WindowedBolt,
  type AnyBolt,
  type OutputFieldsDeclarer,
  type Tuple,
  type TupleWindow,
  type Values,
} from '@squall/api';
import { ManualClock, type Config } from '@squall/core';
import { LocalCluster, type LocalTopology } from '../src';

/** A spout emitting what the test pushes into `feed`, tracked by its first value; records acks and fails. */
export class FeedSpout extends Spout {
  constructor(
    private readonly feed: Values[],
    private readonly fields: string[],
    private readonly ledger: { acked: unknown[]; failed: unknown[]; ackedAt: Map<unknown, number> },
    private readonly clock: ManualClock,
  ) {
    super();
  }
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(this.fields);
  }
  override nextTuple(): void {
    const v = this.feed.shift();
    if (v) this.collector.emit(v, v[0]);
  }
  override ack(id: unknown): void {
    this.ledger.acked.push(id);
    this.ledger.ackedAt.set(id, this.clock.wallMs());
  }
  override fail(id: unknown): void {
    this.ledger.failed.push(id);
  }
}

/** One firing as the windowed bolt saw it: first values of its tuples and the window's timestamps, at clock time. */
export interface Firing {
  at: number;
  all: unknown[];
  new: unknown[];
  expired: unknown[];
  start: number | undefined;
  end: number;
}

/** Records every firing; emits the window's size (anchored to the window) on `default`. */
export class RecordingWindowBolt extends WindowedBolt {
  constructor(
    private readonly firings: Firing[],
    private readonly clock: ManualClock,
  ) {
    super();
  }
  override execute(w: TupleWindow): void {
    const first = (ts: Tuple[]) => ts.map((t) => t.getValue(0));
    this.firings.push({
      at: this.clock.wallMs(),
      all: first(w.get()),
      new: first(w.getNew()),
      expired: first(w.getExpired()),
      start: w.getStartTimestamp(),
      end: w.getEndTimestamp(),
    });
    this.collector.emit([w.get().length]);
  }
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['size']);
  }
}

/**
 * A local cluster on a manual clock running `spout -> windowed bolt`: push tuples with {@link feed}, let them reach
 * the bolt with {@link settle}, move time with {@link advance}.
 */
export class WindowRig {
  readonly clock: ManualClock;
  readonly feedQueue: Values[] = [];
  readonly firings: Firing[] = [];
  readonly ledger = { acked: [] as unknown[], failed: [] as unknown[], ackedAt: new Map<unknown, number>() };
  /** Values emitted by the windowed bolt, by stream. */
  readonly emitted: Record<string, unknown[][]> = {};
  private cluster!: LocalCluster;
  topology!: LocalTopology;

  constructor(startMs = 0) {
    this.clock = new ManualClock(startMs);
  }

  async start(
    configure: (bolt: RecordingWindowBolt) => RecordingWindowBolt,
    options: { fields?: string[]; conf?: Config; downstream?: () => AnyBolt } = {},
  ): Promise<void> {
    const fields = options.fields ?? ['id'];
    const b = new TopologyBuilder();
    b.setSpout('feed', () => new FeedSpout(this.feedQueue, fields, this.ledger, this.clock));
    b.setBolt('window', () => configure(new RecordingWindowBolt(this.firings, this.clock))).shuffleGrouping('feed');
    if (options.downstream) b.setBolt('downstream', options.downstream).shuffleGrouping('window');
    this.cluster = await LocalCluster.create({ clock: this.clock });
    const conf: Config = {
      'topology.spout.wait.progressive.level3.sleep.millis': 0,
      'topology.backpressure.wait.progressive.level3.sleep.millis': 0,
      ...options.conf,
    };
    this.topology = await this.cluster.submitTopology('windowing', conf, b.createTopology(), {
      emitTap: (component, stream, values) => {
        if (component === 'window') (this.emitted[stream] ??= []).push([...values]);
      },
    });
    await this.settle();
  }

  /** Queues tuples for the spout and waits until they (and their acks) have been processed. */
  async feed(...values: Values[]): Promise<void> {
    this.feedQueue.push(...values);
    await this.settle();
  }

  /** Waits until the spout's feed is empty and no tuple is queued anywhere. */
  async settle(): Promise<void> {
    let quiet = 0;
    for (let i = 0; i < 10_000 && quiet < 5; i++) {
      this.topology.runtime.wake();
      await new Promise((r) => setImmediate(r));
      quiet = this.feedQueue.length === 0 && this.topology.runtime.queuedTuples === 0 ? quiet + 1 : 0;
    }
    if (quiet < 5) throw new Error('the topology did not settle');
  }

  /** Moves the clock forward (timers due fire in order), then lets their emits and acks be processed. */
  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await this.settle();
  }

  /** Moves the clock to `ms`. */
  async advanceTo(ms: number): Promise<void> {
    await this.advance(ms - this.clock.wallMs());
  }

  async stop(): Promise<void> {
    await this.cluster.shutdown();
  }
}
