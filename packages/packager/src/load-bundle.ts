import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Topology } from '@squall/api';
import { TopologyLoadError } from './errors';
import { evaluateModule } from './compile-module';
import { fileLoaderFor, pickTopology, type TopologyLoaders } from './load-topology';
import { PACKAGE_ENTRY, PACKAGE_MANIFEST, type PackageManifest } from './build-package';

/**
 * Loads the bundled module of an extracted package, resolving the Squall runtime packages (`@squall/*`) from this
 * installation: a package never carries its own copy, so components and engine share classes and symbols. A package
 * whose entry is not the bundle (a YAML topology) is read by the file loader `loaders` holds for its extension.
 * @throws TopologyLoadError when the package has no module, it throws on load, or exports no topology
 */
export async function loadPackagedTopology(packageDir: string, loaders: TopologyLoaders = {}): Promise<Topology> {
  const manifestFile = path.join(packageDir, PACKAGE_MANIFEST);
  const manifest: PackageManifest = existsSync(manifestFile)
    ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as PackageManifest)
    : { entry: PACKAGE_ENTRY };
  if (manifest.entry !== PACKAGE_ENTRY) {
    const entry = path.join(packageDir, manifest.entry);
    const loader = fileLoaderFor(loaders, entry);
    if (!loader)
      throw new TopologyLoadError(entry, `no loader for ${path.extname(entry)} topologies was given to this worker`);
    return loader(entry);
  }
  const file = path.join(packageDir, PACKAGE_ENTRY);
  if (!existsSync(file)) throw new TopologyLoadError(file, 'package has no bundled topology module');
  let exports: unknown;
  try {
    exports = evaluateModule(readFileSync(file, 'utf8'), file);
  } catch (err) {
    throw new TopologyLoadError(file, `failed while loading: ${(err as Error)?.message ?? String(err)}`, {
      cause: err,
    });
  }
  const topology = await pickTopology(exports);
  if (!topology) throw new TopologyLoadError(file, 'does not export a topology');
  return topology;
}
