import {
  CHECKPOINT_STREAM_ID,
  type CheckpointAction,
  type OutputCollector,
  type TopologyContext,
  type Tuple,
} from '@squall/api';
import { CHECKPOINT_ACTIONS, checkpointInputTasks, runCheckpointAction } from './checkpoint-barrier';

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
 * Checkpoints are told apart by their epoch (each tuple the checkpoint spout sends has a new, larger one). A round is
 * abandoned when a copy of a newer checkpoint arrives before it completes: a copy was lost with a worker, the
 * checkpoint spout saw the failure and sent its recovery (ROLLBACK, or a retry), and the held inputs are released (the
 * rollback that follows discards whatever they change). A copy older than the round or than the last checkpoint acted
 * on is a late copy of an abandoned try: acked and ignored.
 */
export class AlignedBarrier {
  /** Upstream tasks sending checkpoints to this task. */
  readonly inputTasks: number;
  private round: { epoch: number; from: Set<number> } | undefined;
  private held: Tuple[] = [];
  /** Epoch of the last checkpoint acted on: copies of older ones are late and ignored. */
  private lastEpoch = Number.NEGATIVE_INFINITY;

  constructor(context: TopologyContext) {
    this.inputTasks = checkpointInputTasks(context);
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
    const epoch = tuple.values[2];
    if (
      typeof txid !== 'number' ||
      typeof action !== 'string' ||
      !CHECKPOINT_ACTIONS.has(action) ||
      typeof epoch !== 'number'
    ) {
      collector.ack(tuple);
      collector.reportError(
        new Error(
          `checkpoint tuple with txid ${JSON.stringify(txid)}, action ${JSON.stringify(action)} and epoch ${JSON.stringify(epoch)} from task ${tuple.sourceTask}: not a checkpoint; ignored`,
        ),
      );
      return none;
    }
    if (epoch <= this.lastEpoch || (this.round !== undefined && epoch < this.round.epoch)) {
      collector.ack(tuple);
      return none;
    }
    let released: Tuple[] = [];
    if (this.round !== undefined && this.round.epoch !== epoch) {
      released = this.held;
      this.held = [];
      this.round = undefined;
    }
    const round = (this.round ??= { epoch, from: new Set() });
    round.from.add(tuple.sourceTask);
    if (round.from.size < this.inputTasks) {
      collector.ack(tuple);
      return { pending: undefined, released };
    }
    this.round = undefined;
    this.lastEpoch = epoch;
    released = released.length === 0 ? this.held : released.concat(this.held);
    this.held = [];
    const pending = runCheckpointAction(
      tuple,
      collector,
      () => act(action as CheckpointAction, txid),
      () => {
        collector.emit(CHECKPOINT_STREAM_ID, tuple, [txid, action, epoch]);
        collector.ack(tuple);
      },
    );
    return { pending, released };
  }
}
