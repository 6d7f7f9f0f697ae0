import {
  ATTACH,
  type BoltLike,
  type CheckpointAction,
  type OutputCollector,
  type OutputFieldsDeclarer,
  type StatefulBolt,
  type TopologyContext,
  type Tuple,
} from '@squall/api';
import type { Config } from '@squall/core';
import { CheckpointedKeyValueState, type StateBackend, type StateProvider } from '@squall/state';
import { DelegatingCollector } from '../delegating-collector';
import { QuadBuffer } from '../quad-buffer';
import { AlignedBarrier } from './aligned-barrier';
import { CHECKPOINT_STREAM, CheckpointBarrier } from './checkpoint-barrier';
import { stateNamespace } from './checkpoint-spout';

/** What the engine's bolt collector offers for acks held until a checkpoint commits (see BoltCollector.ackLater). */
export interface AckHolder extends OutputCollector {
  ackLater(tuple: Tuple, held: QuadBuffer): void;
  sendHeldAcks(held: QuadBuffer): void;
  failHeldAcks(held: QuadBuffer): void;
}

/**
 * The collector a stateful bolt gets (Storm's `AckTrackingOutputCollector`): acks of inputs are held, to be sent when
 * the checkpoint that saves their effect commits (or failed when it rolls back); everything else goes through. What
 * is held is the acks' quads, not the tuples, so a second of input does not stay in memory.
 */
class AckHoldingCollector extends DelegatingCollector<AckHolder> {
  /** Quads of the inputs acked by the bolt since the last PREPARE. */
  acked = new QuadBuffer();
  constructor(
    delegate: AckHolder,
    /** False under exactly-once state: acks go at once (a lost effect is replayed by the rollback, not by the ack). */
    private readonly holding: boolean,
  ) {
    super(delegate);
  }
  override ack(tuple: Tuple): void {
    if (this.holding) this.delegate.ackLater(tuple, this.acked);
    else this.delegate.ack(tuple);
  }
}

/**
 * Storm's `StatefulBoltExecutor`: runs a {@link StatefulBolt} as an ordinary bolt of the engine. Its state is opened
 * and handed to `initState` at the first INITSTATE checkpoint (tuples arriving before wait); each checkpoint then
 * prepares (PREPARE), commits (COMMIT) or rolls back (ROLLBACK) the state, sending the held acks of the inputs it
 * covers at COMMIT and failing them at ROLLBACK. Store operations are asynchronous: while one runs, inputs wait in
 * arrival order, so no input is executed against a state being saved or reloaded.
 */
export class StatefulBoltRunner implements BoltLike {
  private collector!: AckHoldingCollector;
  private context!: TopologyContext;
  private barrier!: CheckpointBarrier;
  private backend: StateBackend | undefined;
  private state: CheckpointedKeyValueState<unknown, unknown> | undefined;
  /** Ack quads of the inputs covered by the last PREPARE: sent at COMMIT, their trees failed at ROLLBACK. */
  private prepared = new QuadBuffer();
  /** Inputs that arrived before the state was initialized. */
  private beforeInit: Tuple[] = [];
  /** Inputs that arrived while a store operation or an async execute was running, in order. */
  private queue: Tuple[] = [];
  /** Index of the next input to run in {@link queue} (by index, not shift(): a slow store can queue a second's input). */
  private head = 0;
  private busy = false;
  private draining = false;
  /** Set under exactly-once state: checkpoints aligned across input tasks. */
  private aligner: AlignedBarrier | undefined;

  constructor(
    readonly bolt: StatefulBolt<unknown, unknown>,
    private readonly topology: string,
    private readonly provider: () => StateProvider,
    /** The topology's exactly-once state (TopologyModel.exactlyOnce: the wiring follows it, so this must too). */
    private readonly exactlyOnce = false,
  ) {}

  async prepare(conf: Config, context: TopologyContext, collector: OutputCollector): Promise<void> {
    this.context = context;
    if (typeof (collector as Partial<AckHolder>).ackLater !== 'function')
      throw new Error("a stateful bolt needs the engine's bolt collector");
    this.collector = new AckHoldingCollector(collector as AckHolder, !this.exactlyOnce);
    this.barrier = new CheckpointBarrier(context);
    if (this.exactlyOnce) this.aligner = new AlignedBarrier(context);
    const attach = (this.bolt as unknown as Record<symbol, unknown>)[ATTACH];
    if (typeof attach === 'function') attach.call(this.bolt, conf, context, this.collector);
    await this.bolt.prepare(conf, context, this.collector);
  }

  execute(tuple: Tuple): void {
    if (this.busy || this.head < this.queue.length) this.queue.push(tuple);
    else this.process(tuple);
  }

  private process(tuple: Tuple): void {
    if (this.aligner !== undefined) {
      this.processAligned(this.aligner, tuple);
      return;
    }
    if (tuple.sourceStreamId === CHECKPOINT_STREAM) {
      this.runExclusive(
        this.barrier.receive(tuple, this.collector.delegate, (action, txid) => this.checkpoint(action, txid)),
      );
      return;
    }
    if (this.state === undefined) {
      this.beforeInit.push(tuple);
      return;
    }
    this.runBolt(tuple);
  }

  private runBolt(tuple: Tuple): void {
    let r: void | Promise<void>;
    try {
      r = this.bolt.execute(tuple);
    } catch (err) {
      this.failed(tuple, err);
      return;
    }
    if (r !== undefined && typeof (r as Promise<void>).then === 'function')
      this.runExclusive((r as Promise<void>).catch((err: unknown) => this.failed(tuple, err)));
  }

  /**
   * Exactly-once state: checkpoints are aligned across input tasks; inputs a completed (or abandoned) alignment
   * releases go first, before inputs queued meanwhile. An input reaching a task without state (restarted since the
   * last rollback) was emitted before the rollback its restart causes, which discards it: it is acked and dropped.
   */
  private processAligned(aligner: AlignedBarrier, tuple: Tuple): void {
    if (aligner.hold(tuple)) return;
    if (tuple.sourceStreamId === CHECKPOINT_STREAM) {
      const { pending, released } = aligner.receive(tuple, this.collector.delegate, (action, txid) =>
        this.checkpoint(action, txid),
      );
      if (released.length > 0) {
        this.queue = released.concat(this.queue.slice(this.head));
        this.head = 0;
      }
      if (pending !== undefined) this.runExclusive(pending);
      else this.drainQueue();
      return;
    }
    if (this.state === undefined) {
      this.collector.delegate.ack(tuple);
      this.dropped++;
      return;
    }
    this.runBolt(tuple);
  }

  /** Inputs dropped by a task without state under exactly-once state (see processAligned). */
  dropped = 0;

  private failed(tuple: Tuple, err: unknown): void {
    this.collector.fail(tuple);
    this.collector.reportError(err);
  }

  /** Holds later inputs until `p` settles, then runs them in order. */
  private runExclusive(p: Promise<void> | undefined): void {
    if (p === undefined) return;
    this.busy = true;
    void p.finally(() => {
      this.busy = false;
      this.drainQueue();
    });
  }

  /**
   * Runs queued inputs in order until one starts an async step. An input may put released inputs at the queue's front
   * (exactly-once alignment): the loop reads the queue afresh each time, so they run next.
   */
  private drainQueue(): void {
    if (this.draining) return;
    this.draining = true;
    while (!this.busy && this.head < this.queue.length) this.process(this.queue[this.head++]!);
    if (this.head >= this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    this.draining = false;
  }

  private async openBackend(): Promise<StateBackend> {
    return (this.backend ??= await this.provider().open(stateNamespace(this.topology, this.context)));
  }

  private checkpoint(action: CheckpointAction, txid: number): Promise<void> | 'failed' {
    switch (action) {
      case 'PREPARE': {
        // A task restarted since the last INITSTATE has no state yet: failing makes the spout recover.
        if (this.state === undefined) return 'failed';
        this.bolt.prePrepare(txid);
        this.prepared.append(this.collector.acked);
        this.collector.acked.clear();
        return this.state.prepareCommit(txid);
      }
      case 'COMMIT':
        this.bolt.preCommit(txid);
        return (async () => {
          // A task not yet initialized still commits what its predecessor prepared (recovery of a COMMITTING txid).
          if (this.state) await this.state.commit(txid);
          else await (await this.openBackend()).commit(txid);
          const done = this.prepared;
          this.prepared = new QuadBuffer();
          this.collector.delegate.sendHeldAcks(done);
        })();
      case 'ROLLBACK':
        this.bolt.preRollback();
        return (async () => {
          if (this.state) await this.state.rollback();
          else await (await this.openBackend()).rollback();
          this.collector.delegate.failHeldAcks(this.prepared);
          this.collector.delegate.failHeldAcks(this.collector.acked);
          this.prepared.clear();
          this.collector.acked.clear();
        })();
      case 'INITSTATE':
        // Exactly-once: every INITSTATE is where the spouts start again from their committed positions, so the state
        // goes back to the committed one too (what it took in since then will come again).
        if (this.state !== undefined && this.aligner !== undefined) {
          this.bolt.preRollback();
          return this.state.rollback();
        }
        if (this.state !== undefined) return Promise.resolve();
        return (async () => {
          const state = await CheckpointedKeyValueState.open<unknown, unknown>(await this.openBackend());
          this.bolt.initState(state);
          this.state = state;
          this.context.log.info(
            { txid, entries: state.size },
            `state initialized at txid ${txid} with ${state.size} entries`,
          );
          // Inputs that waited for the state run first, before those queued behind this checkpoint.
          this.queue = this.beforeInit.concat(this.queue.slice(this.head));
          this.head = 0;
          this.beforeInit = [];
        })();
    }
  }

  unsettledInputs(): number {
    return (
      this.queue.length - this.head + this.beforeInit.length + (this.busy ? 1 : 0) + (this.aligner?.heldCount ?? 0)
    );
  }

  async cleanup(): Promise<void> {
    await this.bolt.cleanup();
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    this.bolt.declareOutputFields(declarer);
  }

  getComponentConfiguration(): Config | undefined {
    return this.bolt.getComponentConfiguration();
  }
}
