import type { Config } from '@squall/core';
import type { BasicOutputCollector, OutputCollector, SpoutOutputCollector } from './collectors';
import type { ComponentDeclaration, SpecOptions } from './component-declaration';
import type { TopologyContext } from './context';
import type { OutputFieldsDeclarer } from './output-declarer';
import type { Tuple } from './tuple';
import type { StatefulBolt } from './stateful-bolt';
import type { WindowedBolt } from './windowed-bolt';

/**
 * Engine hook: sets `conf`, `context` and the collector on a base-class component before `open`/`prepare`, so
 * subclasses that override `open` without calling `super.open` still have them.
 * @internal
 */
export const ATTACH = Symbol.for('squall.attach');

/**
 * Engine hook for spouts whose `nextTuple` only starts work and whose emits arrive later (a shell spout's, from its
 * child): the spout keeps an {@link AsyncSpoutHooks} under this key. While `waiting` is true, a `nextTuple` that
 * emitted nothing is not idleness (no wait strategy: the engine neither spins nor sleeps on it) and the spout calls
 * `wake` when the engine should call `nextTuple` again.
 * @internal
 */
export const ASYNC_SPOUT = Symbol.for('squall.asyncSpout');

/** See {@link ASYNC_SPOUT}. @internal */
export interface AsyncSpoutHooks {
  /** True while a request is out whose answer (emits or nothing) has not arrived. */
  readonly waiting: boolean;
  /** Set by the engine before `open`; asks for a `nextTuple` call soon. */
  wake: () => void;
}

/** Brand of BasicBolt instances; a symbol rather than `instanceof` so two copies of this package agree. */
const BASIC_BOLT = Symbol.for('squall.basicBolt');

/** Methods every component may implement. */
export interface ComponentBase {
  /** Declares output streams; called once at build time on a scratch instance. */
  declareOutputFields?(declarer: OutputFieldsDeclarer): void;
  /** Component configuration merged over the topology's for this component. */
  getComponentConfiguration?(): Config | undefined;
}

/** What the engine needs of a spout. Extend {@link Spout} rather than implementing this by hand. */
export interface SpoutLike extends ComponentBase {
  open?(conf: Config, context: TopologyContext, collector: SpoutOutputCollector): void | Promise<void>;
  nextTuple(): void;
  ack?(messageId: unknown): void;
  fail?(messageId: unknown): void;
  activate?(): void;
  deactivate?(): void;
  close?(): void | Promise<void>;
}

/** What the engine needs of a bolt. Extend {@link Bolt} or {@link BasicBolt}. */
export interface BoltLike extends ComponentBase {
  prepare?(conf: Config, context: TopologyContext, collector: OutputCollector): void | Promise<void>;
  /** Handles one input. May return a promise: a rejection fails the input and reports the error. */
  execute(tuple: Tuple): void | Promise<void>;
  cleanup?(): void | Promise<void>;
  /**
   * Inputs this bolt has taken and will still ack or fail on its own (a shell bolt's inputs out in its child). A
   * stop with a drain time (kill with a wait, `squall local --duration`) waits for these as for queued tuples.
   */
  unsettledInputs?(): number;
}

type Ctor<T> = new () => T;

function declaration(kind: 'spout' | 'bolt', cls: Ctor<unknown>, options: SpecOptions): ComponentDeclaration {
  return { kind, factory: () => new cls(), options };
}

/**
 * Base class of spouts. Override `nextTuple` (emit at most a few tuples per call and return; the engine calls it
 * again) and `declareOutputFields`; `this.collector`, `this.context` and `this.conf` are set before `open`.
 */
export abstract class Spout implements SpoutLike {
  protected collector!: SpoutOutputCollector;
  protected context!: TopologyContext;
  protected conf!: Config;

  /** Places this spout in a declarative topology: `WordSpout.spec({ par: 2 })`. */
  static spec<T extends Spout>(this: Ctor<T>, options: Omit<SpecOptions, 'inputs'> = {}): ComponentDeclaration {
    return declaration('spout', this, options);
  }
  [ATTACH](conf: Config, context: TopologyContext, collector: SpoutOutputCollector): void {
    this.conf = conf;
    this.context = context;
    this.collector = collector;
  }
  open(_conf: Config, _context: TopologyContext, _collector: SpoutOutputCollector): void | Promise<void> {}
  abstract nextTuple(): void;
  ack(_messageId: unknown): void {}
  fail(_messageId: unknown): void {}
  activate(): void {}
  deactivate(): void {}
  close(): void | Promise<void> {}
  declareOutputFields(_declarer: OutputFieldsDeclarer): void {}
  getComponentConfiguration(): Config | undefined {
    return undefined;
  }
}

/**
 * Base class of bolts. Override `execute` and ack or fail every input through `this.collector`; a thrown error fails
 * the input and is reported, and the bolt keeps running.
 */
export abstract class Bolt implements BoltLike {
  protected collector!: OutputCollector;
  protected context!: TopologyContext;
  protected conf!: Config;

  /** Places this bolt in a declarative topology: `CountBolt.spec({ inputs: { words: fields('word') }, par: 2 })`. */
  static spec<T extends Bolt>(this: Ctor<T>, options: SpecOptions = {}): ComponentDeclaration {
    return declaration('bolt', this, options);
  }
  [ATTACH](conf: Config, context: TopologyContext, collector: OutputCollector): void {
    this.conf = conf;
    this.context = context;
    this.collector = collector;
  }
  prepare(_conf: Config, _context: TopologyContext, _collector: OutputCollector): void | Promise<void> {}
  abstract execute(tuple: Tuple): void | Promise<void>;
  cleanup(): void | Promise<void> {}
  declareOutputFields(_declarer: OutputFieldsDeclarer): void {}
  getComponentConfiguration(): Config | undefined {
    return undefined;
  }
}

/**
 * A bolt that anchors and acks for you (Storm's BaseBasicBolt): every emit is anchored to the input, the input is
 * acked when `execute` returns (or its promise resolves) and failed when it throws. Throw
 * {@link FailedException} to fail without reporting an error.
 */
export abstract class BasicBolt {
  /** @internal */
  readonly [BASIC_BOLT] = true;
  protected context!: TopologyContext;
  protected conf!: Config;

  /** Places this bolt in a declarative topology. */
  static spec<T extends BasicBolt>(this: Ctor<T>, options: SpecOptions = {}): ComponentDeclaration {
    return declaration('bolt', this, options);
  }
  [ATTACH](conf: Config, context: TopologyContext): void {
    this.conf = conf;
    this.context = context;
  }
  prepare(_conf: Config, _context: TopologyContext): void | Promise<void> {}
  abstract execute(tuple: Tuple, collector: BasicOutputCollector): void | Promise<void>;
  cleanup(): void | Promise<void> {}
  declareOutputFields(_declarer: OutputFieldsDeclarer): void {}
  getComponentConfiguration(): Config | undefined {
    return undefined;
  }
}

/** Instance of any kind of bolt. */
export type AnyBolt = BoltLike | BasicBolt | WindowedBolt | StatefulBolt<never, never>;

/** Whether `bolt` is a {@link BasicBolt} (execute takes a collector and acking is automatic). */
export function isBasicBolt(bolt: unknown): bolt is BasicBolt {
  return typeof bolt === 'object' && bolt !== null && (bolt as Record<symbol, unknown>)[BASIC_BOLT] === true;
}

/** A class with a no-argument constructor, or a function returning a fresh instance per task. */
export type ComponentFactory<T> = (new () => T) | (() => T);

/** Calls a {@link ComponentFactory}: `new` for classes, a plain call for factory functions. */
export function instantiate<T>(factory: ComponentFactory<T>): T {
  const isClass = typeof factory === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(factory));
  return isClass ? new (factory as new () => T)() : (factory as () => T)();
}
