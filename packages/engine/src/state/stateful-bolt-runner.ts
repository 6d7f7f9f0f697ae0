import {
  ATTACH,
  CHECKPOINT_STREAM_ID,
  type Anchors,
  type BoltLike,
  type CheckpointAction,
  type OutputCollector,
  type OutputFieldsDeclarer,
  type StatefulBolt,
  type TopologyContext,
  type Tuple,
  type Values,
} from '@squall/api';
import type { Config } from '@squall/core';
import { CheckpointedKeyValueState, type StateBackend, type StateProvider } from '@squall/state';
import { CheckpointBarrier } from './checkpoint-barrier';
import { stateNamespace } from './checkpoint-spout';

/**
 * The collector a stateful bolt gets (Storm's `AckTrackingOutputCollector`): acks of inputs are held, to be sent when
 * the checkpoint that saves their effect commits (or failed when it rolls back); everything else goes through.
 */
class AckHoldingCollector implements OutputCollector {
  /** Inputs acked by the bolt since the last PREPARE. */
  acked: Tuple[] = [];
  private readonly held = new Set<Tuple>();
  constructor(readonly delegate: OutputCollector) {}
  emit(a: string | Anchors | Values, b?: Anchors | Values, c?: Values): readonly number[] {
    return (this.delegate.emit as (a: unknown, b?: unknown, c?: unknown) => readonly number[])(a, b, c);
  }
  emitDirect(taskId: number, a: string | Anchors | Values, b?: Anchors | Values, c?: Values): void {
    (this.delegate.emitDirect as (t: number, a: unknown, b?: unknown, c?: unknown) => void)(taskId, a, b, c);
  }
  ack(tuple: Tuple): void {
    if (this.held.has(tuple)) return;
    this.held.add(tuple);
    this.acked.push(tuple);
  }
  fail(tuple: Tuple): void {
    this.delegate.fail(tuple);
  }
  resetTimeout(tuple: Tuple): void {
    this.delegate.resetTimeout(tuple);
  }
  reportError(error: unknown): void {
    this.delegate.reportError(error);
  }
  /** Sends (or fails) held acks. */
  settle(tuples: readonly Tuple[], ack: boolean): void {
    for (const t of tuples) {
      this.held.delete(t);
      if (ack) this.delegate.ack(t);
      else this.delegate.fail(t);
    }
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
  /** Inputs acked by the bolt and covered by the last PREPARE: acked at COMMIT, failed at ROLLBACK. */
  private prepared: Tuple[] = [];
  /** Inputs that arrived before the state was initialized. */
  private beforeInit: Tuple[] = [];
  /** Inputs that arrived while a store operation or an async execute was running, in order. */
  private readonly queue: Tuple[] = [];
  private busy = false;

  constructor(
    readonly bolt: StatefulBolt<unknown, unknown>,
    private readonly topology: string,
    private readonly provider: () => StateProvider,
  ) {}

  async prepare(conf: Config, context: TopologyContext, collector: OutputCollector): Promise<void> {
    this.context = context;
    this.collector = new AckHoldingCollector(collector);
    this.barrier = new CheckpointBarrier(context);
    const attach = (this.bolt as unknown as Record<symbol, unknown>)[ATTACH];
    if (typeof attach === 'function') attach.call(this.bolt, conf, context, this.collector);
    await this.bolt.prepare(conf, context, this.collector);
  }

  execute(tuple: Tuple): void {
    if (this.busy) this.queue.push(tuple);
    else this.process(tuple);
  }

  private process(tuple: Tuple): void {
    if (tuple.sourceStreamId === CHECKPOINT_STREAM_ID) {
      this.runExclusive(this.barrier.receive(tuple, this.collector.delegate, (action, txid) => this.checkpoint(action, txid)));
      return;
    }
    if (this.state === undefined) {
      this.beforeInit.push(tuple);
      return;
    }
    let r: void | Promise<void>;
    try {
      r = this.bolt.execute(tuple);
    } catch (err) {
      this.failed(tuple, err);
      return;
    }
    if (r !== undefined && typeof (r as Promise<void>).then === 'function') this.runExclusive((r as Promise<void>).catch((err: unknown) => this.failed(tuple, err)));
  }

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
      while (!this.busy && this.queue.length > 0) this.process(this.queue.shift()!);
    });
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
        this.prepared.push(...this.collector.acked);
        this.collector.acked = [];
        return this.state.prepareCommit(txid);
      }
      case 'COMMIT':
        this.bolt.preCommit(txid);
        return (async () => {
          // A task not yet initialized still commits what its predecessor prepared (recovery of a COMMITTING txid).
          if (this.state) await this.state.commit(txid);
          else await (await this.openBackend()).commit(txid);
          const done = this.prepared;
          this.prepared = [];
          this.collector.settle(done, true);
        })();
      case 'ROLLBACK':
        this.bolt.preRollback();
        return (async () => {
          if (this.state) await this.state.rollback();
          else await (await this.openBackend()).rollback();
          const undone = [...this.prepared, ...this.collector.acked];
          this.prepared = [];
          this.collector.acked = [];
          this.collector.settle(undone, false);
        })();
      case 'INITSTATE':
        if (this.state !== undefined) return Promise.resolve();
        return (async () => {
          const state = await CheckpointedKeyValueState.open<unknown, unknown>(await this.openBackend());
          this.bolt.initState(state);
          this.state = state;
          this.context.log.info({ txid, entries: state.size }, `state initialized at txid ${txid} with ${state.size} entries`);
          // Inputs that waited for the state run first, before those queued behind this checkpoint.
          this.queue.unshift(...this.beforeInit);
          this.beforeInit = [];
        })();
    }
  }

  unsettledInputs(): number {
    return this.queue.length + this.beforeInit.length + (this.busy ? 1 : 0);
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
