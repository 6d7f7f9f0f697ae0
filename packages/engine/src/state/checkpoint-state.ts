import type { CheckpointAction } from '@squall/api';

/** Where the checkpoint protocol stands (Storm's `CheckPointState.State`). */
export type CheckpointPhase = 'COMMITTED' | 'PREPARING' | 'COMMITTING';

/**
 * The checkpoint spout's persisted state and Storm's transitions (`CheckPointState`): a checkpoint prepares txid n
 * (PREPARING), then commits it (COMMITTING), then is COMMITTED; recovery after a failure rolls back a prepared txid or
 * finishes a commit, then sends INITSTATE.
 */
export class CheckpointState {
  constructor(
    readonly txid: number,
    readonly phase: CheckpointPhase,
  ) {}

  /** The state after the current action was acked by every task (`recovering`: during recovery). */
  nextState(recovering: boolean): CheckpointState {
    switch (this.phase) {
      case 'PREPARING':
        return recovering
          ? new CheckpointState(this.txid - 1, 'COMMITTED')
          : new CheckpointState(this.txid, 'COMMITTING');
      case 'COMMITTING':
        return new CheckpointState(this.txid, 'COMMITTED');
      case 'COMMITTED':
        return recovering ? this : new CheckpointState(this.txid + 1, 'PREPARING');
    }
  }

  /** The action to send in this state. */
  nextAction(recovering: boolean): CheckpointAction {
    switch (this.phase) {
      case 'PREPARING':
        return recovering ? 'ROLLBACK' : 'PREPARE';
      case 'COMMITTING':
        return 'COMMIT';
      case 'COMMITTED':
        return recovering ? 'INITSTATE' : 'PREPARE';
    }
  }

  equals(other: CheckpointState): boolean {
    return this.txid === other.txid && this.phase === other.phase;
  }

  toJSON(): { txid: number; state: CheckpointPhase } {
    return { txid: this.txid, state: this.phase };
  }

  /** Parses what {@link toJSON} stored; undefined when it is not such a value. */
  static fromJSON(value: unknown): CheckpointState | undefined {
    if (typeof value !== 'object' || value === null) return undefined;
    const { txid, state } = value as { txid?: unknown; state?: unknown };
    if (typeof txid !== 'number' || !Number.isInteger(txid) || txid < 0) return undefined;
    if (state !== 'COMMITTED' && state !== 'PREPARING' && state !== 'COMMITTING') return undefined;
    return new CheckpointState(txid, state);
  }
}
