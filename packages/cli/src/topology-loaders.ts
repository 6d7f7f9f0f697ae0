import { streamparseProjectLoader, YAML_FILE_LOADERS } from '@squall/yaml-topology';
import type { TopologyLoaders } from '@squall/packager';

/**
 * What `squall local` and `squall submit` accept besides a TypeScript or JavaScript module: YAML (Flux-like) topology
 * files, and streamparse project directories.
 */
export const CLI_TOPOLOGY_LOADERS: TopologyLoaders = { files: YAML_FILE_LOADERS, projects: [streamparseProjectLoader] };
