import type { TopologyContext } from './context';

/**
 * How a stream's tuples are split among the tasks of a subscribing bolt. Serializable: it travels in the topology
 * spec to nimbus and workers. A custom grouping names its implementation, which the topology module provides.
 */
export type GroupingSpec =
  | { type: 'shuffle' }
  | { type: 'fields'; fields: string[] }
  | { type: 'partialKey'; fields: string[] }
  | { type: 'all' }
  | { type: 'global' }
  | { type: 'none' }
  | { type: 'direct' }
  | { type: 'localOrShuffle' }
  | { type: 'custom'; name: string };

/** Name of a grouping type. */
export type GroupingType = GroupingSpec['type'];

/**
 * A user-defined grouping (Storm's CustomStreamGrouping). `chooseTasks` runs on every emit: keep it cheap and return
 * task ids from `targetTasks`.
 */
export interface CustomStreamGrouping {
  /** Called once per emitting task before any tuple, with the subscribing component's task ids. */
  prepare(
    context: TopologyContext,
    sourceStream: { component: string; stream: string },
    targetTasks: readonly number[],
  ): void;
  /** The tasks that receive a tuple with these values. An empty array drops the tuple for this subscriber. */
  chooseTasks(sourceTaskId: number, values: readonly unknown[]): readonly number[];
}

/** Random but even distribution. */
export const shuffle = (): GroupingSpec => ({ type: 'shuffle' });
/** Equal values of the named fields always reach the same task, in every process. */
export const fields = (...names: string[]): GroupingSpec => ({ type: 'fields', fields: names.flat() });
/** Like fields grouping but balances a hot key over two candidate tasks. */
export const partialKey = (...names: string[]): GroupingSpec => ({ type: 'partialKey', fields: names.flat() });
/** Every task receives every tuple. */
export const all = (): GroupingSpec => ({ type: 'all' });
/** Every tuple goes to the task with the lowest id. */
export const global = (): GroupingSpec => ({ type: 'global' });
/** No preference; currently the same as shuffle (as in Storm). */
export const none = (): GroupingSpec => ({ type: 'none' });
/** The emitter chooses the task with `emitDirect`; the stream must be declared direct. */
export const direct = (): GroupingSpec => ({ type: 'direct' });
/** Prefers tasks in the same worker process, else shuffle. */
export const localOrShuffle = (): GroupingSpec => ({ type: 'localOrShuffle' });
