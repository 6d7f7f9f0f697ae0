import type { Fields } from './fields';

/** Name of the stream used when a component does not name one. */
export const DEFAULT_STREAM = 'default';
/** Component id of the system (source of tick tuples). */
export const SYSTEM_COMPONENT = '__system';
/** Stream of tick tuples. */
export const TICK_STREAM = '__tick';
/** Component id of the acker bolt. */
export const ACKER_COMPONENT = '__acker';

/** Values of one tuple, in the order of the stream's declared fields. */
export type Values = unknown[];

/**
 * A tuple as a bolt receives it. Accessors by field name use the emitting stream's declared fields.
 */
export interface Tuple {
  /** The values, in field order. Do not mutate: local delivery shares the array between subscribers. */
  readonly values: readonly unknown[];
  /** Declared fields of the stream it was emitted on. */
  readonly fields: Fields;
  /** Component that emitted it (`__system` for tick tuples). */
  readonly sourceComponent: string;
  /** Task that emitted it (-1 for tick tuples). */
  readonly sourceTask: number;
  /** Stream it was emitted on. */
  readonly sourceStreamId: string;
  /** Value at position `i`. */
  getValue(i: number): unknown;
  /** Value of field `name`; throws if the stream has no such field. */
  getValueByField(name: string): unknown;
  /** `getValue(i)` checked to be a string. */
  getString(i: number): string;
  /** `getValueByField(name)` checked to be a string. */
  getStringByField(name: string): string;
  /** `getValue(i)` checked to be a number. */
  getNumber(i: number): number;
  /** `getValueByField(name)` checked to be a number. */
  getNumberByField(name: string): number;
  /** Whether the stream declares field `name`. */
  contains(name: string): boolean;
  /** Number of values. */
  size(): number;
}

/** True for tick tuples (from `__system` on `__tick`), which bolts usually handle apart from data. */
export function isTickTuple(tuple: Tuple): boolean {
  return tuple.sourceComponent === SYSTEM_COMPONENT && tuple.sourceStreamId === TICK_STREAM;
}
