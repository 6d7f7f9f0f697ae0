import type { ReplayableSpout, Tuple } from '@squall/api';
import type { Logger } from '@squall/core';
import type { StateBackend } from '@squall/state';

/** Key of the spout's position in its store. */
const POSITION_KEY = JSON.stringify('__position');

/** The tuples a spout emitted between two checkpoints: the message id the engine tracks them with. */
interface Batch {
  /** Order of creation. */
  readonly seq: number;
  /** Trees not yet completed. */
  outstanding: number;
  /** Emitted before the last rollback: its completions no longer matter. */
  dead: boolean;
}

/** What the controller needs of the spout executor for the checkpoint tuples it receives. */
export interface CheckpointInputs {
  /** Emits `input` again on the spout's `$checkpoint` stream, in line with its tuples, anchored to it. */
  forward(input: Tuple): void;
  ack(input: Tuple): void;
  fail(input: Tuple): void;
  reportError(err: unknown): void;
  /** Tells the executor the spout may emit again. */
  wake(): void;
}

/**
 * One spout task under exactly-once state: the checkpoint passes through the spout, in line with its tuples, and the
 * spout's replay position is saved with it.
 *
 * - PREPARE n: the position after the last emit is taken (`snapshot()`), the checkpoint is forwarded at once (every
 *   tuple emitted before it precedes it on every channel), the position is prepared in the store, and the checkpoint
 *   is acked only once every tuple emitted before it has completed its tree: a checkpoint commits only when all the
 *   input it covers was processed. A failed or timed-out tuple fails the next PREPARE instead, so the checkpoint spout
 *   rolls the whole topology back.
 * - COMMIT n: commits the prepared position.
 * - ROLLBACK: the spout stops emitting, and goes back to the committed position (`restore()`).
 * - INITSTATE (at the end of every recovery, and at the start): the spout goes back to the committed position and
 *   emits again from there; the bolts reload their committed state at the same point of the data flow.
 * A task that has not been through INITSTATE since it started emits nothing and fails PREPARE, which makes the
 * checkpoint spout recover.
 */
export class ReplayController {
  /** Whether nextTuple may be called. */
  running = false;
  private failedSinceRollback = false;
  private batchSeq = 0;
  private batch: Batch = this.newBatch();
  /** Batches closed by a PREPARE with trees still out, oldest first. */
  private closed: Batch[] = [];
  private prepare: { input: Tuple; upTo: Batch; stored: boolean } | undefined;
  /** Store operations run one at a time, in order. */
  private chain: Promise<void> = Promise.resolve();
  private backend: StateBackend | undefined;

  constructor(
    private readonly spout: ReplayableSpout,
    private readonly io: CheckpointInputs,
    private readonly openBackend: () => Promise<StateBackend>,
    private readonly log: Logger,
  ) {}

  private newBatch(): Batch {
    return { seq: this.batchSeq++, outstanding: 0, dead: false };
  }

  /** The message id of the next emit (the spout's own message id is not used: its position is its progress). */
  emitted(): Batch {
    this.batch.outstanding++;
    return this.batch;
  }

  /** A tree of an emit completed (acked, or failed or timed out). */
  completed(messageId: unknown, acked: boolean): void {
    const b = messageId as Batch;
    if (b.dead) return;
    b.outstanding--;
    if (!acked && !this.failedSinceRollback) {
      this.failedSinceRollback = true;
      this.log.warn('a tuple of this spout failed or timed out: the next checkpoint fails and the topology rolls back');
    }
    this.settlePrepare();
  }

  /** Handles a checkpoint tuple from the checkpoint spout. */
  receive(input: Tuple): void {
    const txid = input.values[0];
    const action = input.values[1];
    if (typeof txid !== 'number') {
      this.io.ack(input);
      return;
    }
    switch (action) {
      case 'PREPARE':
        return this.onPrepare(input, txid);
      case 'COMMIT':
        this.io.forward(input);
        return this.step(input, async (b) => b.commit(txid));
      case 'ROLLBACK':
        this.stopAndForward(input);
        return this.step(input, async (b) => {
          await b.rollback();
          await this.restoreCommitted(b);
        });
      case 'INITSTATE':
        // Every INITSTATE (a retry too) starts from the committed position: the bolts reload their committed state at
        // it, so what the spout emitted since an earlier try is discarded downstream and must be emitted again.
        this.stopAndForward(input);
        return this.step(input, async (b) => {
          await this.restoreCommitted(b);
          this.running = true;
          this.io.wake();
        });
      default:
        this.io.ack(input);
    }
  }

  /**
   * The start of a recovery step (ROLLBACK, INITSTATE): the spout stops emitting, what it emitted so far no longer
   * counts, and the checkpoint goes on downstream after its last tuple.
   */
  private stopAndForward(input: Tuple): void {
    this.running = false;
    this.failedSinceRollback = false;
    this.killBatches();
    this.io.forward(input);
  }

  private onPrepare(input: Tuple, txid: number): void {
    if (!this.running || this.failedSinceRollback) {
      this.io.fail(input);
      return;
    }
    let position: unknown;
    try {
      position = this.spout.snapshot();
    } catch (err) {
      this.io.fail(input);
      this.io.reportError(err);
      return;
    }
    const text = JSON.stringify(position);
    const upTo = this.batch;
    this.closed.push(upTo);
    this.batch = this.newBatch();
    this.io.forward(input);
    if (this.prepare !== undefined) this.io.fail(this.prepare.input);
    const prepare: { input: Tuple; upTo: Batch; stored: boolean } = { input, upTo, stored: false };
    this.prepare = prepare;
    this.chain = this.chain
      .then(async () => {
        const b = await this.store();
        await b.prepare(txid, new Map([[POSITION_KEY, text === undefined ? null : text]]));
        prepare.stored = true;
        this.settlePrepare();
      })
      .catch((err: unknown) => {
        if (this.prepare === prepare) this.prepare = undefined;
        this.io.fail(input);
        this.io.reportError(err);
      });
  }

  /** Acks the pending PREPARE once its position is stored and every tree emitted before it completed. */
  private settlePrepare(): void {
    const closed = this.closed;
    while (closed.length > 0 && closed[0]!.outstanding === 0) closed.shift();
    const p = this.prepare;
    if (p === undefined) return;
    if (this.failedSinceRollback) {
      this.prepare = undefined;
      this.io.fail(p.input);
      return;
    }
    if (!p.stored || (closed.length > 0 && closed[0]!.seq <= p.upTo.seq)) return;
    this.prepare = undefined;
    this.io.ack(p.input);
  }

  private killBatches(): void {
    for (const b of this.closed) b.dead = true;
    this.batch.dead = true;
    this.closed = [];
    this.batch = this.newBatch();
    if (this.prepare !== undefined) {
      this.io.fail(this.prepare.input);
      this.prepare = undefined;
    }
  }

  private async restoreCommitted(b: StateBackend): Promise<void> {
    const loaded = await b.load();
    const text = loaded.committed.get(POSITION_KEY);
    const position = text === undefined ? undefined : (JSON.parse(text) as unknown);
    await this.spout.restore(position);
    this.log.info(
      { txid: loaded.committedTxid, position },
      `spout restored to the position of checkpoint ${loaded.committedTxid ?? '(none: the beginning)'}`,
    );
  }

  private async store(): Promise<StateBackend> {
    return (this.backend ??= await this.openBackend());
  }

  /** Runs `op` after earlier store operations, then acks `input` (fails it, reporting, when `op` throws). */
  private step(input: Tuple, op: (b: StateBackend) => Promise<void>): void {
    this.chain = this.chain
      .then(async () => op(await this.store()))
      .then(
        () => this.io.ack(input),
        (err: unknown) => {
          this.io.fail(input);
          this.io.reportError(err);
        },
      );
  }
}
