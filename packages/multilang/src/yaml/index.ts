export { loadYamlTopology, loadYamlTopologyText, type YamlTopologySource } from './load-yaml-topology';
export { registerYamlLoader } from './register-yaml-loader';
