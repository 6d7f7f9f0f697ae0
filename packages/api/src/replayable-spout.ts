import { getConfig, type Config } from '@squall/core';

/** The key choosing what stateful bolts' state guarantees. */
export const GUARANTEE_KEY = 'topology.state.guarantee';

/** What stateful bolts' state guarantees (`topology.state.guarantee`). */
export type StateGuarantee = 'at-least-once' | 'exactly-once';

/**
 * A spout that can go back to an earlier point of its output: what exactly-once state needs of every spout (the
 * replayable source of Flink's asynchronous barrier snapshots). With `topology.state.guarantee: exactly-once` the engine
 * calls `snapshot()` when a checkpoint passes the spout, between two emits, and saves the position with the checkpoint;
 * after any failure it calls `restore()` with the position of the last committed checkpoint, and the spout must then
 * emit exactly what it emitted after that position, in the same order per output task. `ack` and `fail` are not called
 * in that mode: the committed position is the spout's progress.
 */
export interface ReplayableSpout<P = unknown> {
  /** The position after the last tuple emitted; JSON-serializable. */
  snapshot(): P;
  /** Goes back to `position` (undefined: no checkpoint was ever committed, start from the beginning). */
  restore(position: P | undefined): void | Promise<void>;
}

/** Whether `spout` implements {@link ReplayableSpout}. */
export function isReplayableSpout(spout: unknown): spout is ReplayableSpout {
  if (typeof spout !== 'object' || spout === null) return false;
  const s = spout as Partial<ReplayableSpout>;
  return typeof s.snapshot === 'function' && typeof s.restore === 'function';
}

/** The guarantee `conf` asks for; problems (an unknown value) are appended to `problems` when given. */
export function stateGuarantee(conf: Config, problems?: string[]): StateGuarantee {
  const v = conf[GUARANTEE_KEY] ?? getConfig({}, GUARANTEE_KEY);
  if (v === 'at-least-once' || v === 'exactly-once') return v;
  problems?.push(`${GUARANTEE_KEY}: must be 'at-least-once' or 'exactly-once', got ${JSON.stringify(v)}`);
  return 'at-least-once';
}
