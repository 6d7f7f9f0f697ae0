/**
 * Topologies written as YAML rather than code: Flux-like files whose components are multi-lang children (or
 * JavaScript/TypeScript modules), and streamparse project directories, whose Python topology is turned into the same
 * YAML model. The loaders here are what the CLI and the worker pass to the packager ({@link YAML_FILE_LOADERS},
 * {@link streamparseProjectLoader}).
 */
export * from './errors';
export { loadYamlTopology, loadYamlTopologyText, type YamlTopologySource } from './load-yaml-topology';
export { YAML_FILE_LOADERS } from './yaml-loaders';
export * from './streamparse';
