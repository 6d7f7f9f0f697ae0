import type { Config } from '@squall/core';
import { instantiate, type AnyBolt, type ComponentFactory, type SpoutLike } from './components';
import { Fields } from './fields';
import type { CustomStreamGrouping, GroupingSpec } from './grouping';
import { CollectingDeclarer } from './output-declarer';
import { Topology } from './topology';
import type { ComponentSpec, InputSpec, ShellSpec } from './topology-spec';
import { DEFAULT_STREAM } from './tuple';
import { isWindowedBolt, prepareWindowedDeclaration } from './windowed-bolt';
import { isStatefulBolt } from './stateful-bolt';
import { addCheckpointWiring } from './checkpoint-wiring';
import { isReplayableSpout } from './replayable-spout';

type FieldList = readonly string[] | Fields;
const names = (f: FieldList): string[] => (f instanceof Fields ? [...f.names] : [...f]);

/** Sets what every component accepts: task count and configuration. */
export class ComponentConfigurer {
  constructor(protected readonly entry: BuilderEntry) {}
  /** Tasks of the component (fixed for the topology's life); at least the parallelism hint. */
  setNumTasks(n: number): this {
    this.entry.numTasks = n;
    return this;
  }
  /** Adds component configuration (merged over the topology's). */
  addConfiguration(key: string, value: unknown): this {
    // Defined, not assigned: a key like `__proto__` stays an own key, so validation names it instead of it silently
    // replacing the conf's prototype.
    Object.defineProperty(this.entry.conf, key, { value, enumerable: true, writable: true, configurable: true });
    return this;
  }
  /** Adds several component configuration keys. */
  addConfigurations(conf: Config): this {
    for (const key of Object.keys(conf)) this.addConfiguration(key, conf[key]);
    return this;
  }
  /** Per-spout-task cap on pending tracked tuples (Storm's setMaxSpoutPending). */
  setMaxSpoutPending(n: number): this {
    return this.addConfiguration('topology.max.spout.pending', n);
  }
  /** Marks the component as a multi-lang child process (used by the multi-lang package). */
  setShell(shell: ShellSpec): this {
    this.entry.shell = shell;
    return this;
  }
}

/** Subscribes a bolt to streams, one method per grouping, as in Storm's BoltDeclarer. */
export class BoltDeclarer extends ComponentConfigurer {
  constructor(
    entry: BuilderEntry,
    private readonly addGrouping: (name: string, factory: ComponentFactory<CustomStreamGrouping>) => void,
  ) {
    super(entry);
  }
  /** Subscribes with any grouping spec. */
  grouping(component: string, stream: string, grouping: GroupingSpec): this {
    this.entry.inputs.push({ component, stream, grouping });
    return this;
  }
  shuffleGrouping(component: string, stream: string = DEFAULT_STREAM): this {
    return this.grouping(component, stream, { type: 'shuffle' });
  }
  /** `fieldsGrouping(component, ['word'])` or `fieldsGrouping(component, stream, ['word'])`. */
  fieldsGrouping(component: string, streamOrFields: string | FieldList, maybeFields?: FieldList): this {
    const [stream, f] =
      typeof streamOrFields === 'string' ? [streamOrFields, maybeFields ?? []] : [DEFAULT_STREAM, streamOrFields];
    return this.grouping(component, stream, { type: 'fields', fields: names(f) });
  }
  partialKeyGrouping(component: string, streamOrFields: string | FieldList, maybeFields?: FieldList): this {
    const [stream, f] =
      typeof streamOrFields === 'string' ? [streamOrFields, maybeFields ?? []] : [DEFAULT_STREAM, streamOrFields];
    return this.grouping(component, stream, { type: 'partialKey', fields: names(f) });
  }
  allGrouping(component: string, stream: string = DEFAULT_STREAM): this {
    return this.grouping(component, stream, { type: 'all' });
  }
  globalGrouping(component: string, stream: string = DEFAULT_STREAM): this {
    return this.grouping(component, stream, { type: 'global' });
  }
  noneGrouping(component: string, stream: string = DEFAULT_STREAM): this {
    return this.grouping(component, stream, { type: 'none' });
  }
  directGrouping(component: string, stream: string = DEFAULT_STREAM): this {
    return this.grouping(component, stream, { type: 'direct' });
  }
  localOrShuffleGrouping(component: string, stream: string = DEFAULT_STREAM): this {
    return this.grouping(component, stream, { type: 'localOrShuffle' });
  }
  /** Subscribes with a user grouping; one instance is made per emitting task. */
  customGrouping(
    component: string,
    grouping: ComponentFactory<CustomStreamGrouping>,
    stream: string = DEFAULT_STREAM,
  ): this {
    const name = `${this.entry.id}<-${component}:${stream}`;
    this.addGrouping(name, grouping);
    return this.grouping(component, stream, { type: 'custom', name });
  }
}

/** @internal A component under construction. */
export interface BuilderEntry {
  id: string;
  kind: 'spout' | 'bolt';
  factory: () => SpoutLike | AnyBolt;
  parallelism: number;
  numTasks: number | undefined;
  inputs: InputSpec[];
  conf: Config;
  shell?: ShellSpec;
}

/**
 * Builds a topology the way Storm's TopologyBuilder does:
 * `builder.setSpout('word', WordSpout, 1); builder.setBolt('count', WordCountBolt, 2).fieldsGrouping('word', ['word'])`.
 * Components are given as a class (no-arg constructor) or a factory function: every task gets its own instance.
 * Problems (duplicate ids, constructors that throw) are collected and reported together by validation.
 */
export class TopologyBuilder {
  private readonly entries: BuilderEntry[] = [];
  private readonly groupings = new Map<string, () => CustomStreamGrouping>();
  private readonly problems: string[] = [];

  /** Adds a spout with `parallelism` executors. */
  setSpout(id: string, spout: ComponentFactory<SpoutLike>, parallelism = 1): ComponentConfigurer {
    return new ComponentConfigurer(this.add(id, 'spout', () => instantiate(spout), parallelism));
  }

  /** Adds a bolt with `parallelism` executors; subscribe it with the returned declarer. */
  setBolt(id: string, bolt: ComponentFactory<AnyBolt>, parallelism = 1): BoltDeclarer {
    const entry = this.add(id, 'bolt', () => instantiate(bolt), parallelism);
    return new BoltDeclarer(entry, (name, factory) => this.groupings.set(name, () => instantiate(factory)));
  }

  private add(
    id: string,
    kind: 'spout' | 'bolt',
    factory: () => SpoutLike | AnyBolt,
    parallelism: number,
  ): BuilderEntry {
    if (this.entries.some((e) => e.id === id)) this.problems.push(`component id '${id}' is used more than once`);
    const entry: BuilderEntry = { id, kind, factory, parallelism, numTasks: undefined, inputs: [], conf: {} };
    this.entries.push(entry);
    return entry;
  }

  /**
   * Makes the topology: instantiates each component once to read its declared outputs and configuration.
   * Does not validate; `squall local`, `LocalCluster` and nimbus validate before running.
   */
  createTopology(name = 'topology', conf: Config = {}): Topology {
    const problems = [...this.problems];
    const components: ComponentSpec[] = [];
    const factories = new Map<string, () => SpoutLike | AnyBolt>();
    let stateful = false;
    for (const entry of this.entries) {
      if (factories.has(entry.id)) continue;
      const declarer = new CollectingDeclarer();
      let componentConf: Config = { ...entry.conf };
      let implementation: string | undefined;
      let replayable = false;
      try {
        const scratch = entry.factory();
        implementation = scratch?.constructor?.name;
        scratch.declareOutputFields?.(declarer);
        componentConf = { ...(scratch.getComponentConfiguration?.() ?? {}), ...entry.conf };
        if (entry.kind === 'bolt' && isStatefulBolt(scratch)) stateful = true;
        if (entry.kind === 'spout' && isReplayableSpout(scratch)) replayable = true;
        if (isWindowedBolt(scratch))
          for (const p of prepareWindowedDeclaration(scratch, { ...conf, ...componentConf }, declarer))
            problems.push(`component '${entry.id}': ${p}`);
      } catch (err) {
        problems.push(`component '${entry.id}': could not be created: ${(err as Error)?.message ?? String(err)}`);
      }
      for (const p of declarer.problems) problems.push(`component '${entry.id}': ${p}`);
      const spec: ComponentSpec = {
        id: entry.id,
        kind: entry.kind,
        parallelism: entry.parallelism,
        numTasks: entry.numTasks ?? entry.parallelism,
        inputs: entry.inputs,
        outputs: declarer.streams,
        conf: componentConf,
      };
      if (replayable) spec.replayable = true;
      if (entry.shell) spec.shell = entry.shell;
      if (entry.shell) spec.implementation = entry.shell.command.join(' ');
      else if (implementation) spec.implementation = implementation;
      components.push(spec);
      factories.set(entry.id, entry.factory);
    }
    // As in Storm, checkpoints (and their spout) exist only in a topology with a stateful bolt.
    if (stateful) problems.push(...addCheckpointWiring(components));
    return new Topology({ name, components, conf: { ...conf } }, factories, new Map(this.groupings), problems);
  }
}
