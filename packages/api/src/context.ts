import type { Config, Logger } from '@squall/core';
import type { Fields } from './fields';
import type { GroupingSpec } from './grouping';

/**
 * What a task knows about the topology it runs in (Storm's TopologyContext). The same object shape in local mode
 * and on a cluster.
 */
export interface TopologyContext {
  /** Topology id (`<name>-<n>-<epochSecs>` on a cluster, the name in local mode). */
  readonly topologyId: string;
  /** This task's component id. */
  readonly thisComponentId: string;
  /** This task's id (unique in the topology). */
  readonly thisTaskId: number;
  /** Index of this task among its component's tasks (0-based). */
  readonly thisTaskIndex: number;
  /** Port of the worker running this task (0 in local mode). */
  readonly thisWorkerPort: number;
  /** Every task id to its component id, including system components. */
  readonly taskToComponent: ReadonlyMap<number, string>;
  /** Task ids of a component, ascending; empty for an unknown component. */
  getComponentTasks(componentId: string): readonly number[];
  /** Component of a task, or undefined. */
  getComponentId(taskId: number): string | undefined;
  /** Declared fields of a component's stream, or undefined when not declared. */
  getComponentOutputFields(componentId: string, streamId: string): Fields | undefined;
  /** Output streams this component declares. */
  getThisStreams(): readonly string[];
  /** This component's subscriptions: source component → stream → grouping. */
  getThisSources(): ReadonlyMap<string, ReadonlyMap<string, GroupingSpec>>;
  /** Who subscribes to this component: stream → target component → grouping. */
  getThisTargets(): ReadonlyMap<string, ReadonlyMap<string, GroupingSpec>>;
  /** All component ids of the topology (user components, then system ones). */
  getComponentIds(): readonly string[];
  /** The topology configuration merged with this component's own. */
  readonly conf: Config;
  /** Logger of this task: pino JSON lines carrying `topology`, `component` and `task`. */
  readonly log: Logger;
  /**
   * Marks this task overloaded (or not). While any task of a worker is, its spouts pause and remote producers get no
   * credit, exactly as for an executor queue over capacity: for components that buffer work outside the engine's
   * queues (a shell bolt holding inputs for its child). Idempotent.
   */
  setOverloaded(overloaded: boolean): void;
  /** Directory holding the topology's resources (package `resources/`, or the module's directory locally). */
  readonly resourcesDir: string;
}
