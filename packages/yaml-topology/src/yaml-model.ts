import type { Config } from '@squall/core';
import type { GroupingSpec, StreamSpec } from '@squall/api';
import type { Serializer } from '@squall/multilang';
import type { MapView } from './yaml-view';

/** A component run as a multi-lang child. */
export interface YamlShellComponent {
  command: string[];
  outputs: StreamSpec[];
  serializer: Serializer;
  env: Record<string, string>;
}

/** A component implemented in JavaScript or TypeScript. */
export interface YamlModuleComponent {
  /** Path relative to the YAML file's directory, or a package name. */
  module: string;
  /** Export holding the class (or factory); `default` means the default export or the module itself. */
  exportName: string;
  /** Passed to the constructor (Flux's constructorArgs). */
  args: unknown[];
}

/** A spout or bolt of a YAML topology. */
export interface YamlComponent {
  id: string;
  kind: 'spout' | 'bolt';
  parallelism: number;
  numTasks: number | undefined;
  config: Config;
  shell?: YamlShellComponent;
  module?: YamlModuleComponent;
  /** Where it is, for messages. */
  view: MapView;
}

/** A subscription of a YAML topology (Flux's stream entry). */
export interface YamlStream {
  from: string;
  to: string;
  stream: string;
  grouping: GroupingSpec;
  view: MapView;
}

/** A parsed YAML topology. */
export interface YamlTopologyModel {
  name: string;
  config: Config;
  components: YamlComponent[];
  streams: YamlStream[];
}
