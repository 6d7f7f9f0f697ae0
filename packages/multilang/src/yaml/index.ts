export { loadYamlTopology, loadYamlTopologyText, type YamlTopologySource } from './load-yaml-topology';
export { YAML_FILE_LOADERS } from './yaml-loaders';
