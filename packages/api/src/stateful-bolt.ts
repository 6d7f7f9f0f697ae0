import type { Config } from '@squall/core';
import { ATTACH } from './components';
import type { OutputCollector } from './collectors';
import type { ComponentDeclaration, SpecOptions } from './component-declaration';
import type { TopologyContext } from './context';
import type { OutputFieldsDeclarer } from './output-declarer';
import type { Tuple } from './tuple';

/** Brand of StatefulBolt instances; a symbol rather than `instanceof` so two copies of this package agree. */
const STATEFUL_BOLT = Symbol.for('squall.statefulBolt');

/** The checkpoint spout a topology with stateful bolts gets (Storm's `CheckpointSpout.CHECKPOINT_COMPONENT_ID`). */
export const CHECKPOINT_SPOUT_ID = '$checkpointspout';
/** The stream checkpoints travel on, from the checkpoint spout through every bolt (Storm's name). */
export const CHECKPOINT_STREAM_ID = '$checkpoint';
/** Fields of the checkpoint stream. */
export const CHECKPOINT_FIELDS = ['txid', 'action'] as const;
/**
 * Fields of the checkpoint stream under exactly-once state: `epoch` numbers each checkpoint tuple the checkpoint spout
 * sends (a retry of an action gets a new one), so aligned barriers tell a retry from a late copy of the first try.
 */
export const EXACTLY_ONCE_CHECKPOINT_FIELDS = ['txid', 'action', 'epoch'] as const;

/** What a checkpoint asks of each stateful bolt (Storm's `CheckPointState.Action`). */
export type CheckpointAction = 'PREPARE' | 'COMMIT' | 'ROLLBACK' | 'INITSTATE';

/**
 * A stateful bolt's state (Storm's `KeyValueState`): reads and writes are immediate (every entry is held in memory);
 * what is written is saved with the next checkpoint. Keys and values must be JSON-serializable; after changing a
 * stored object in place, `put` it again.
 */
export interface KeyValueState<K = string, V = unknown> extends Iterable<[K, V]> {
  put(key: K, value: V): void;
  get(key: K): V | undefined;
  get(key: K, defaultValue: V): V;
  /** Removes `key`; returns its value, if it had one. */
  delete(key: K): V | undefined;
  /** Number of entries. */
  readonly size: number;
}

type Ctor<T> = new () => T;

/**
 * Base class of stateful bolts (Storm's `BaseStatefulBolt`). `initState` is called with the bolt's state (the last
 * committed, after a restart) before the first tuple reaches `execute`; tuples arriving earlier wait. Ack and fail
 * inputs through `this.collector` as in a plain bolt: acks are held until the checkpoint that saves their effect
 * commits, and failed if it rolls back, so a replay never finds its effect half-saved (at-least-once state: an input
 * replayed after a rollback is counted again only if its first processing was committed, see the README).
 */
export abstract class StatefulBolt<K = string, V = unknown> {
  /** @internal */
  readonly [STATEFUL_BOLT] = true;
  protected collector!: OutputCollector;
  protected context!: TopologyContext;
  protected conf!: Config;

  /** Places this bolt in a declarative topology. */
  static spec<T extends StatefulBolt<never, never>>(this: Ctor<T>, options: SpecOptions = {}): ComponentDeclaration {
    return { kind: 'bolt', factory: () => new this(), options };
  }
  [ATTACH](conf: Config, context: TopologyContext, collector: OutputCollector): void {
    this.conf = conf;
    this.context = context;
    this.collector = collector;
  }
  prepare(_conf: Config, _context: TopologyContext, _collector: OutputCollector): void | Promise<void> {}
  /** Gets the bolt's state once, before any tuple; keep it in a field. */
  abstract initState(state: KeyValueState<K, V>): void;
  /** Handles one input; ack or fail it through `this.collector`. */
  abstract execute(tuple: Tuple): void | Promise<void>;
  /** Called before the state of checkpoint `txid` is prepared: write what is still buffered into the state here. */
  prePrepare(_txid: number): void {}
  /** Called before checkpoint `txid` is committed. */
  preCommit(_txid: number): void {}
  /** Called before the state rolls back to the last commit. */
  preRollback(): void {}
  cleanup(): void | Promise<void> {}
  declareOutputFields(_declarer: OutputFieldsDeclarer): void {}
  getComponentConfiguration(): Config | undefined {
    return undefined;
  }
}

/** Whether `bolt` is a {@link StatefulBolt}. */
export function isStatefulBolt(bolt: unknown): bolt is StatefulBolt<unknown, unknown> {
  return typeof bolt === 'object' && bolt !== null && (bolt as Record<symbol, unknown>)[STATEFUL_BOLT] === true;
}
