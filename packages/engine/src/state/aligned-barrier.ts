import {
  CHECKPOINT_STREAM_ID,
  type CheckpointAction,
  type OutputCollector,
  type TopologyContext,
  type Tuple,
} from '@squall/api';

const ACTIONS: ReadonlySet<string> = new Set(['PREPARE', 'COMMIT', 'ROLLBACK', 'INITSTATE']);

/** What {@link AlignedBarrier.receive} leaves to its caller. */
export interface BarrierStep {
  /** The action's promise when it runs asynchronously (the checkpoint is forwarded and acked when it resolves). */
  pending: Promise<void> | undefined;
  /**
   * Inputs held during the alignment, in arrival order, to be processed now, before anything that arrives later (they
   * are from channels that had delivered this checkpoint, so they come after it in the data flow).
   */
  released: Tuple[];
}

/**
 * Checkpoint barriers aligned per input channel, for exactly-once state (Flink's asynchronous barrier snapshots): once
 * a checkpoint has arrived from an upstream task, that task's later inputs are held until every upstream task's copy
 * has arrived; then the bolt acts (prepares its state, commits, rolls back), forwards the checkpoint on `$checkpoint`
 * anchored to the last copy, and the held inputs run. So the state a checkpoint saves reflects exactly the inputs
 * emitted before the checkpoint left the spouts, and none after.
 *
 * A round is abandoned when a copy of a different checkpoint arrives before it completes: a copy was lost with a
 * worker, the checkpoint spout saw the failure and sent its recovery (ROLLBACK, or a retry), and the held inputs are
 * released (the rollback that follows discards whatever they change).
 */
export class AlignedBarrier {
  /** Upstream tasks sending checkpoints to this task. */
  readonly inputTasks: number;
  private round: { key: string; from: Set<number> } | undefined;
  private held: Tuple[] = [];
  private lastTxid = Number.NEGATIVE_INFINITY;

  constructor(context: TopologyContext) {
    let n = 0;
    for (const [component, streams] of context.getThisSources())
      if (streams.has(CHECKPOINT_STREAM_ID)) n += context.getComponentTasks(component).length;
    this.inputTasks = n;
  }

  /** Inputs held now. */
  get heldCount(): number {
    return this.held.length;
  }

  /**
   * Called for every input (checkpoints included) before it is processed: true when it must wait because its task has
   * already delivered the checkpoint being aligned; it is then kept, and comes back in a later `released`.
   */
  hold(tuple: Tuple): boolean {
    const r = this.round;
    if (r === undefined || !r.from.has(tuple.sourceTask)) return false;
    this.held.push(tuple);
    return true;
  }

  /**
   * Handles one checkpoint copy that {@link hold} let through. `act` runs once every upstream task's copy has arrived
   * (it may be async, or answer 'failed' to fail the checkpoint without an error to report).
   */
  receive(
    tuple: Tuple,
    collector: OutputCollector,
    act: (action: CheckpointAction, txid: number) => void | Promise<void> | 'failed',
  ): BarrierStep {
    const none: BarrierStep = { pending: undefined, released: [] };
    const txid = tuple.values[0];
    const action = tuple.values[1];
    if (typeof txid !== 'number' || typeof action !== 'string' || !ACTIONS.has(action)) {
      collector.ack(tuple);
      collector.reportError(
        new Error(
          `checkpoint tuple with txid ${JSON.stringify(txid)} and action ${JSON.stringify(action)} from task ${tuple.sourceTask}: not a checkpoint; ignored`,
        ),
      );
      return none;
    }
    if (txid < this.lastTxid) {
      collector.ack(tuple);
      return none;
    }
    const key = `${action}:${txid}`;
    let released: Tuple[] = [];
    if (this.round !== undefined && this.round.key !== key) {
      released = this.held;
      this.held = [];
      this.round = undefined;
    }
    const round = (this.round ??= { key, from: new Set() });
    round.from.add(tuple.sourceTask);
    if (round.from.size < this.inputTasks) {
      collector.ack(tuple);
      return { pending: undefined, released };
    }
    this.round = undefined;
    released = released.length === 0 ? this.held : released.concat(this.held);
    this.held = [];
    const done = (): void => {
      this.lastTxid = action === 'ROLLBACK' ? txid - 1 : txid;
      collector.emit(CHECKPOINT_STREAM_ID, tuple, [txid, action]);
      collector.ack(tuple);
    };
    const failed = (err: unknown): void => {
      collector.fail(tuple);
      collector.reportError(err);
    };
    let r: void | Promise<void> | 'failed';
    try {
      r = act(action as CheckpointAction, txid);
    } catch (err) {
      failed(err);
      return { pending: undefined, released };
    }
    if (r === 'failed') {
      collector.fail(tuple);
      return { pending: undefined, released };
    }
    if (r === undefined) {
      done();
      return { pending: undefined, released };
    }
    return { pending: r.then(done, failed), released };
  }
}
