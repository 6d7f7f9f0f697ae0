import type { TopologyFileLoader } from '@squall/packager';
import { loadYamlTopology } from './load-yaml-topology';

/**
 * The packager's file loaders for `.yaml` and `.yml` topologies ({@link loadYamlTopology}): a process that reads
 * them (the CLI for `squall local` and `squall submit`, a worker for a YAML package) passes these in its
 * `loaders.files`.
 */
export const YAML_FILE_LOADERS: Readonly<Record<string, TopologyFileLoader>> = Object.freeze({
  '.yaml': loadYamlTopology,
  '.yml': loadYamlTopology,
});
