import type { Tuple, Values } from './tuple';

/**
 * What a spout emits through. Storm's overloads: `emit(values)`, `emit(values, messageId)`,
 * `emit(streamId, values, messageId?)`. A message id makes the tuple tracked: the spout's `ack` or `fail` is called
 * with that id once its tuple tree completes, fails or times out. Returns the receiving task ids (a shared array:
 * do not mutate it).
 */
export interface SpoutOutputCollector {
  emit(values: Values, messageId?: unknown): readonly number[];
  emit(streamId: string, values: Values, messageId?: unknown): readonly number[];
  /** Emits to one task of a direct stream. */
  emitDirect(taskId: number, values: Values, messageId?: unknown): void;
  emitDirect(taskId: number, streamId: string, values: Values, messageId?: unknown): void;
  /** Reports an error shown with the component (it keeps running). */
  reportError(error: unknown): void;
  /** Tracked tuples of this task not yet acked or failed. */
  getPendingCount(): number;
}

/** Anchors of an emit: the input tuple(s) the new tuple descends from. */
export type Anchors = Tuple | readonly Tuple[];

/**
 * What a bolt emits, acks and fails through. Storm's overloads: `emit(values)`, `emit(anchors, values)`,
 * `emit(streamId, values)`, `emit(streamId, anchors, values)`. Anchored emits join the anchors' tuple trees. Every
 * input must be acked or failed exactly once; acking twice is ignored.
 */
export interface OutputCollector {
  emit(values: Values): readonly number[];
  emit(anchors: Anchors, values: Values): readonly number[];
  emit(streamId: string, values: Values): readonly number[];
  emit(streamId: string, anchors: Anchors, values: Values): readonly number[];
  emitDirect(taskId: number, values: Values): void;
  emitDirect(taskId: number, anchors: Anchors, values: Values): void;
  emitDirect(taskId: number, streamId: string, values: Values): void;
  emitDirect(taskId: number, streamId: string, anchors: Anchors, values: Values): void;
  /** Marks `tuple` processed; its tree completes when every descendant is acked. */
  ack(tuple: Tuple): void;
  /** Fails `tuple`'s trees at once: the spouts' `fail` is called and they may replay. */
  fail(tuple: Tuple): void;
  /** Restarts the message timeout of `tuple`'s trees (for long-running work). */
  resetTimeout(tuple: Tuple): void;
  /** Reports an error shown with the component (it keeps running). */
  reportError(error: unknown): void;
}

/** What a {@link BasicBolt} emits through: every emit is anchored to the current input automatically. */
export interface BasicOutputCollector {
  emit(values: Values): readonly number[];
  emit(streamId: string, values: Values): readonly number[];
  emitDirect(taskId: number, values: Values): void;
  emitDirect(taskId: number, streamId: string, values: Values): void;
  reportError(error: unknown): void;
}
