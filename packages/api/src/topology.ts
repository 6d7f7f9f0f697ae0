import { mergeConfig, type Config } from '@squall/core';
import type { AnyBolt, SpoutLike } from './components';
import type { CustomStreamGrouping } from './grouping';
import type { ComponentSpec, TopologySpec } from './topology-spec';

/** Makes the implementation objects of a topology's components and custom groupings. */
export interface ComponentRegistry {
  /** A fresh instance for one task of component `id`. */
  createComponent(id: string): SpoutLike | AnyBolt;
  /** A fresh instance of the custom grouping `name` (one per emitting task). */
  createCustomGrouping(name: string): CustomStreamGrouping;
}

/**
 * A built topology: the serializable {@link TopologySpec} plus the code that makes its components. What a topology
 * module exports, and what `squall local` and `squall submit` take.
 */
export class Topology implements ComponentRegistry {
  readonly spec: TopologySpec;
  /** Problems found while building (duplicate ids, failing constructors); reported by validation. */
  readonly buildProblems: readonly string[];
  private readonly factories: ReadonlyMap<string, () => SpoutLike | AnyBolt>;
  private readonly groupings: ReadonlyMap<string, () => CustomStreamGrouping>;

  constructor(
    spec: TopologySpec,
    factories: ReadonlyMap<string, () => SpoutLike | AnyBolt>,
    groupings: ReadonlyMap<string, () => CustomStreamGrouping> = new Map(),
    buildProblems: readonly string[] = [],
  ) {
    this.spec = spec;
    this.factories = factories;
    this.groupings = groupings;
    this.buildProblems = buildProblems;
  }

  /** The topology's name. */
  get name(): string {
    return this.spec.name;
  }

  /** The spec of component `id`, or undefined. */
  component(id: string): ComponentSpec | undefined {
    return this.spec.components.find((c) => c.id === id);
  }

  createComponent(id: string): SpoutLike | AnyBolt {
    const factory = this.factories.get(id);
    if (!factory) throw new Error(`topology '${this.name}' has no implementation for component '${id}'`);
    return factory();
  }

  createCustomGrouping(name: string): CustomStreamGrouping {
    const factory = this.groupings.get(name);
    if (!factory) throw new Error(`topology '${this.name}' has no custom grouping '${name}'`);
    return factory();
  }

  /** Whether a factory exists for custom grouping `name`. */
  hasCustomGrouping(name: string): boolean {
    return this.groupings.has(name);
  }

  /** The same topology under another name and/or with configuration merged over its own. */
  with(changes: { name?: string; conf?: Config }): Topology {
    const spec: TopologySpec = {
      ...this.spec,
      name: changes.name ?? this.spec.name,
      conf: mergeConfig(this.spec.conf, changes.conf),
    };
    return new Topology(spec, this.factories, this.groupings, this.buildProblems);
  }
}

/** Whether `value` is a {@link Topology} (also across copies of this package loaded twice). */
export function isTopology(value: unknown): value is Topology {
  return (
    value instanceof Topology ||
    (typeof value === 'object' &&
      value !== null &&
      'spec' in value &&
      typeof (value as Topology).createComponent === 'function')
  );
}
