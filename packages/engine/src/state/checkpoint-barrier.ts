import {
  CHECKPOINT_STREAM_ID,
  type CheckpointAction,
  type OutputCollector,
  type TopologyContext,
  type Tuple,
} from '@squall/api';

const ACTIONS: ReadonlySet<string> = new Set(['PREPARE', 'COMMIT', 'ROLLBACK', 'INITSTATE']);

/**
 * What every bolt of a topology with stateful bolts does with checkpoint tuples (Storm's
 * `BaseStatefulBoltExecutor.processCheckpoint`): a checkpoint is acted on once it has arrived from every upstream
 * task that sends checkpoints (the earlier copies are acked at once), and only if its txid is not older than the last
 * one acted on; acting ends by forwarding it on `$checkpoint`, anchored to the last copy, and acking that copy.
 */
export class CheckpointBarrier {
  /** Upstream tasks sending checkpoints to this task. */
  readonly inputTasks: number;
  private readonly arrived = new Map<string, number>();
  private lastTxid = Number.NEGATIVE_INFINITY;

  constructor(context: TopologyContext) {
    let n = 0;
    for (const [component, streams] of context.getThisSources())
      if (streams.has(CHECKPOINT_STREAM_ID)) n += context.getComponentTasks(component).length;
    this.inputTasks = n;
  }

  /**
   * Handles one checkpoint tuple: `act` runs when every input task's copy has arrived (it may be async: the
   * checkpoint is forwarded and acked when it resolves, failed and reported when it rejects).
   * Returns the promise of `act`, or undefined when nothing runs.
   */
  receive(
    tuple: Tuple,
    collector: OutputCollector,
    act: (action: CheckpointAction, txid: number, tuple: Tuple) => void | Promise<void> | 'failed',
  ): Promise<void> | undefined {
    const txid = tuple.values[0];
    const action = tuple.values[1];
    if (typeof txid !== 'number' || typeof action !== 'string' || !ACTIONS.has(action)) {
      collector.ack(tuple);
      collector.reportError(
        new Error(
          `checkpoint tuple with txid ${JSON.stringify(txid)} and action ${JSON.stringify(action)} from task ${tuple.sourceTask}: not a checkpoint; ignored`,
        ),
      );
      return undefined;
    }
    const key = `${action}:${txid}`;
    const count = (this.arrived.get(key) ?? 0) + 1;
    if (count < this.inputTasks) {
      this.arrived.set(key, count);
      collector.ack(tuple);
      return undefined;
    }
    // The spout sends one action at a time, and each link is FIFO: once every copy of this one is here, any other
    // count left is from an attempt that failed (a copy lost with a worker) and must not complete a later retry.
    this.arrived.clear();
    if (txid < this.lastTxid) {
      collector.ack(tuple);
      return undefined;
    }
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
      r = act(action as CheckpointAction, txid, tuple);
    } catch (err) {
      failed(err);
      return undefined;
    }
    if (r === 'failed') {
      collector.fail(tuple);
      return undefined;
    }
    if (r === undefined) {
      done();
      return undefined;
    }
    return r.then(done, failed);
  }
}
