import {
  ASYNC_SPOUT,
  CHECKPOINT_STREAM_ID,
  type AsyncSpoutHooks,
  type CheckpointAction,
  type SpoutLike,
  type SpoutOutputCollector,
  type TopologyContext,
} from '@squall/api';
import type { Clock, Config } from '@squall/core';
import type { StateBackend, StateProvider } from '@squall/state';
import { CheckpointState } from './checkpoint-state';

/** Key of the spout's own state in its store (Storm's `TX_STATE_KEY`). */
const TX_STATE_KEY = JSON.stringify('__state');
/** Key of the last epoch used (exactly-once state). */
const EPOCH_KEY = JSON.stringify('__epoch');
/**
 * How far a restarted checkpoint spout moves its epoch past the last one saved: more than it can send between two
 * saves (retries of one action, one per message timeout), so epochs only grow.
 */
const EPOCH_BLOCK = 1 << 20;

/**
 * Storm's `CheckpointSpout`, added to every topology with a stateful bolt: every `topology.state.checkpoint.interval.ms`
 * it drives one checkpoint of all stateful bolts through PREPARE and COMMIT on the `$checkpoint` stream, one action at
 * a time, each a tracked tuple (message id = txid) that completes only once every bolt has handled it. Its own
 * progress ({@link CheckpointState}) is saved in the state store before each step, so after any failure (a failed or
 * timed-out checkpoint tuple, a restart) it recovers: it rolls back a prepared checkpoint or finishes a commit, then
 * sends INITSTATE so restarted bolts load their last committed state.
 *
 * Engine-internal: it waits on timers and on its store rather than being polled (an async spout), so an idle
 * topology costs nothing between checkpoints.
 */
export class CheckpointSpout implements SpoutLike {
  private collector!: SpoutOutputCollector;
  private backend!: StateBackend;
  private log!: TopologyContext['log'];
  private readonly hooks: AsyncSpoutHooks = { waiting: true, wake: () => {} };
  private cur = new CheckpointState(-1, 'COMMITTED');
  /** Version of the last save of {@link cur} in the store (the store's commit txid). */
  private saved = 0;
  private recovering = true;
  /** A checkpoint tuple is out and not yet acked or failed. */
  private inProgress = false;
  /** A save of the spout's state is in flight: nothing is emitted until it ends. */
  private saving = false;
  private lastCheckpointMs = Number.NEGATIVE_INFINITY;
  private cancelTimer: (() => void) | undefined;
  private closed = false;
  /** Number of the last checkpoint tuple sent (exactly-once state only). */
  private epoch = 0;

  constructor(
    /** Names the spout's store namespace, `<topology>/$checkpointspout-<task>`: state belongs to the topology's name. */
    private readonly topology: string,
    private readonly provider: () => StateProvider,
    private readonly clock: Clock,
    private readonly intervalMs: number,
    /** Exactly-once state: every checkpoint tuple carries a new epoch (see EXACTLY_ONCE_CHECKPOINT_FIELDS). */
    private readonly exactlyOnce = false,
  ) {
    (this as unknown as Record<symbol, AsyncSpoutHooks>)[ASYNC_SPOUT] = this.hooks;
  }

  async open(_conf: Config, context: TopologyContext, collector: SpoutOutputCollector): Promise<void> {
    this.collector = collector;
    this.log = context.log;
    this.backend = await this.provider().open(stateNamespace(this.topology, context));
    const loaded = await this.backend.load();
    const stored = loaded.committed.get(TX_STATE_KEY);
    const state = stored === undefined ? undefined : CheckpointState.fromJSON(JSON.parse(stored));
    if (state) this.cur = state;
    this.saved = loaded.committedTxid ?? 0;
    const epoch = loaded.committed.get(EPOCH_KEY);
    if (epoch !== undefined) this.epoch = Number(JSON.parse(epoch)) + EPOCH_BLOCK;
    this.log.info(
      { txid: this.cur.txid, state: this.cur.phase },
      `checkpoint spout starts recovery from txid ${this.cur.txid} (${this.cur.phase})`,
    );
  }

  nextTuple(): void {
    if (this.saving || this.inProgress || this.closed) return;
    if (this.recovering) {
      this.emit(this.cur.nextAction(true));
      return;
    }
    if (this.cur.phase === 'COMMITTED') {
      const due = this.lastCheckpointMs + this.intervalMs;
      const now = this.clock.monotonicMs();
      if (now < due) {
        this.wakeAt(due - now);
        return;
      }
      this.lastCheckpointMs = now;
      // The next txid is saved as PREPARING before any bolt prepares it, so a recovery knows to roll it back.
      this.save(this.cur.nextState(false), () => this.emit(this.cur.nextAction(false)));
      return;
    }
    this.emit(this.cur.nextAction(false));
  }

  private emit(action: CheckpointAction): void {
    this.inProgress = true;
    if (this.exactlyOnce)
      this.collector.emit(CHECKPOINT_STREAM_ID, [this.cur.txid, action, ++this.epoch], this.cur.txid);
    else this.collector.emit(CHECKPOINT_STREAM_ID, [this.cur.txid, action], this.cur.txid);
  }

  ack(messageId: unknown): void {
    if (messageId !== this.cur.txid) {
      // A late ack of an earlier action: the current one is still out (its own ack, fail or timeout will come).
      this.log.warn(
        { txid: messageId, current: this.cur.txid },
        `checkpoint ack for txid ${String(messageId)} while at txid ${this.cur.txid}: ignored`,
      );
      return;
    }
    this.inProgress = false;
    const next = this.cur.nextState(this.recovering);
    if (this.recovering && next.equals(this.cur)) {
      // INITSTATE acked by every bolt: recovery is over.
      this.recovering = false;
      this.log.info({ txid: this.cur.txid }, `checkpoint recovery done at txid ${this.cur.txid}`);
      this.hooks.wake();
      return;
    }
    this.save(next, () => {});
  }

  fail(messageId: unknown): void {
    this.inProgress = false;
    if (!this.recovering)
      this.log.warn(
        { txid: messageId, state: this.cur.phase },
        `checkpoint txid ${String(messageId)} failed (${this.cur.phase}): recovering`,
      );
    this.recovering = true;
    this.hooks.wake();
  }

  /** Saves `next` as the spout's state, then makes it current and runs `then`; a failed save starts a recovery. */
  private save(next: CheckpointState, then: () => void): void {
    this.saving = true;
    const version = this.saved + 1;
    const changes = new Map([[TX_STATE_KEY, JSON.stringify(next)]]);
    if (this.exactlyOnce) changes.set(EPOCH_KEY, JSON.stringify(this.epoch));
    this.backend
      .prepare(version, changes)
      .then(() => this.backend.commit(version))
      .then(
        () => {
          this.saved = version;
          this.cur = next;
          this.saving = false;
          if (!this.closed) then();
          this.hooks.wake();
        },
        (err: unknown) => {
          this.saving = false;
          this.recovering = true;
          this.collector.reportError(
            new Error(
              `checkpoint spout could not save its state (txid ${next.txid}, ${next.phase}): ${(err as Error)?.message ?? String(err)}`,
            ),
          );
          // Retry after an interval, not at once: the store is likely down.
          this.wakeAt(this.intervalMs);
        },
      );
  }

  private wakeAt(ms: number): void {
    if (this.cancelTimer) return;
    this.cancelTimer = this.clock.setTimer(ms, () => {
      this.cancelTimer = undefined;
      this.hooks.wake();
    });
  }

  close(): void {
    this.closed = true;
    this.cancelTimer?.();
  }
}

/** The store namespace of a task's state: `<topology name>/<component>-<task>` (Storm's `<component>-<task>`). */
export function stateNamespace(topology: string, context: TopologyContext): string {
  return `${topology}/${context.thisComponentId}-${context.thisTaskId}`;
}
