import { registerTopologyLoader } from '@squall/packager';
import { loadYamlTopology } from './load-yaml-topology';

/**
 * Teaches the packager (and so `squall local`, `squall submit` and workers loading a package) to load `.yaml` and
 * `.yml` topology files with {@link loadYamlTopology}. Idempotent; the CLI calls it at start-up.
 */
export function registerYamlLoader(): void {
  registerTopologyLoader('.yaml', loadYamlTopology);
  registerTopologyLoader('.yml', loadYamlTopology);
}
