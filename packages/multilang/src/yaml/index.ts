export { loadYamlTopology } from './load-yaml-topology';
export { registerYamlLoader } from './register-yaml-loader';
