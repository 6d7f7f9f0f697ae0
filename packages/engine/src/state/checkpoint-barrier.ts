import {
  CHECKPOINT_STREAM_ID,
  type CheckpointAction,
  type OutputCollector,
  type TopologyContext,
  type Tuple,
} from '@squall/api';

/** The checkpoint actions. */
/**
 * The checkpoint stream id for per-tuple comparisons: a binding re-exported by a package's index (as
 * `@squall/api`'s) is a getter call on every read (2.4% of the stateful count); this module's own export is not.
 */
export const CHECKPOINT_STREAM = CHECKPOINT_STREAM_ID;

export const CHECKPOINT_ACTIONS: ReadonlySet<string> = new Set(['PREPARE', 'COMMIT', 'ROLLBACK', 'INITSTATE']);

/** How many upstream tasks send checkpoints to a task: every task of each component it reads `$checkpoint` from. */
export function checkpointInputTasks(context: TopologyContext): number {
  let n = 0;
  for (const [component, streams] of context.getThisSources())
    if (streams.has(CHECKPOINT_STREAM_ID)) n += context.getComponentTasks(component).length;
  return n;
}

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
    this.inputTasks = checkpointInputTasks(context);
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
    if (typeof txid !== 'number' || typeof action !== 'string' || !CHECKPOINT_ACTIONS.has(action)) {
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
    return runCheckpointAction(
      tuple,
      collector,
      () => act(action as CheckpointAction, txid, tuple),
      () => {
        this.lastTxid = action === 'ROLLBACK' ? txid - 1 : txid;
        collector.emit(CHECKPOINT_STREAM_ID, tuple, [txid, action]);
        collector.ack(tuple);
      },
    );
  }
}

/**
 * Runs a checkpoint's action for checkpoint copy `tuple`: `done` once it succeeded (at once, or when its promise
 * resolves); the copy is failed when the action answers 'failed', and failed with the error reported when it throws
 * or rejects. Returns the action's promise, if it has one.
 */
export function runCheckpointAction(
  tuple: Tuple,
  collector: OutputCollector,
  act: () => void | Promise<void> | 'failed',
  done: () => void,
): Promise<void> | undefined {
  const failed = (err: unknown): void => {
    collector.fail(tuple);
    collector.reportError(err);
  };
  let r: void | Promise<void> | 'failed';
  try {
    r = act();
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
