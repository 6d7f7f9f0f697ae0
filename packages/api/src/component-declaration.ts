import type { Config } from '@squall/core';
import type { GroupingSpec } from './grouping';

/**
 * A component placed by the declarative form: `WordCountBolt.spec({ inputs: { word: fields('word') }, par: 2 })`.
 */
export interface ComponentDeclaration {
  readonly kind: 'spout' | 'bolt';
  /** Makes one instance per task. */
  readonly factory: () => unknown;
  readonly options: SpecOptions;
}

/** Options of `Spout.spec()` / `Bolt.spec()`, named as in streamparse. */
export interface SpecOptions {
  /**
   * Subscriptions: key `"component"` (its default stream) or `"component:stream"`, value the grouping.
   * Only for bolts.
   */
  inputs?: Record<string, GroupingSpec>;
  /** Executors. @default 1 */
  par?: number;
  /** Tasks. @default `par` */
  numTasks?: number;
  /** Component configuration. */
  config?: Config;
}
