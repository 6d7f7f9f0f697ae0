import type { Config } from '@squall/core';
import type { GroupingSpec } from './grouping';
import type { StreamSpec } from './output-declarer';

/** One subscription of a bolt: which component's stream, and how it is grouped. */
export interface InputSpec {
  component: string;
  stream: string;
  grouping: GroupingSpec;
}

/**
 * How to run a component written in another language (Storm's multi-lang protocol). The command runs with the
 * package's resources directory as working directory.
 */
export interface ShellSpec {
  /** argv, no shell: e.g. `['python3', '-m', 'squall.run', 'bolts.wordcount.WordCountBolt']`. */
  command: string[];
  /** Extra environment; PATH is appended to, not replaced. */
  env?: Record<string, string>;
  /** Wire format of the child. @default 'json' */
  serializer?: 'json' | 'msgpack';
}

/** A component of the serializable topology spec. */
export interface ComponentSpec {
  id: string;
  kind: 'spout' | 'bolt';
  /** Executors. */
  parallelism: number;
  /** Tasks; at least `parallelism`. */
  numTasks: number;
  inputs: InputSpec[];
  outputs: StreamSpec[];
  /** Component configuration, merged over the topology's for this component. */
  conf: Config;
  /** Set for multi-lang components. */
  shell?: ShellSpec;
  /** Implementation name for display (class name or command). */
  implementation?: string;
  /** Set for a spout that implements ReplayableSpout (what exactly-once state needs of every spout). */
  replayable?: boolean;
}

/**
 * The serializable description of a topology: what nimbus stores and schedules. Component code is not in it; it
 * lives in the topology module (TypeScript) or in the package's resources (shell components).
 */
export interface TopologySpec {
  name: string;
  components: ComponentSpec[];
  conf: Config;
}
