import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build, type Message } from 'esbuild';
import { create as createTar } from 'tar';
import type { TopologySpec } from '@squall/api';
import { TopologyLoadError } from './errors';
import { checkResourceLinks } from './resource-links';
import { loadTopology, RUNTIME_PACKAGES, type LoadOptions } from './load-topology';

/** Name of the bundled module inside a package. */
export const PACKAGE_ENTRY = 'topology.js';
/** Name of the resources directory inside a package (shell components run there). */
export const PACKAGE_RESOURCES = 'resources';

/** Name of the manifest inside a package. */
export const PACKAGE_MANIFEST = 'manifest.json';

/** What a package says about itself. */
export interface PackageManifest {
  /** Path, inside the package, of the file that defines the topology (`topology.js`, or `resources/<x>.yaml`). */
  entry: string;
  /** Added by project loaders (e.g. `python`: the wheels a supervisor installs before starting workers). */
  [extra: string]: unknown;
}

/** A built package, ready to upload. */
export interface TopologyPackage {
  /** The gzipped tar. */
  bytes: Buffer;
  /** sha256 of `bytes`, hex. */
  digest: string;
  /** The topology's spec (name and conf as declared; submit may override both). */
  spec: TopologySpec;
  /** Files in the package, for display. */
  files: string[];
}

/**
 * Builds a submit package from a topology module: `topology.js` (the module bundled with esbuild, every dependency
 * included except the Squall runtime packages, which workers provide), `spec.json`, and `resources/` (the module's
 * `resources/` directory, or for a YAML topology its whole directory), as a tar.gz with its sha256.
 * @throws TopologyLoadError when the module cannot be loaded or bundled, or (with `typeCheck`) does not type-check
 */
export async function buildPackage(
  target: string,
  cwd = process.cwd(),
  options: LoadOptions = {},
): Promise<TopologyPackage> {
  const loaded = await loadTopology(target, cwd, options);
  const staging = mkdtempSync(path.join(tmpdir(), 'squall-package-'));
  try {
    const files: string[] = ['spec.json'];
    const isScript = /\.(ts|js|mts|cts|mjs|cjs)$/.test(loaded.file);
    if (isScript) {
      try {
        // The bundle is placed, for esbuild, beside the entry file, so its source map names the user's files relative to
        // the topology's directory (`word-count-bolt.ts:12`), not to a temp dir.
        const out = await build({
          entryPoints: [loaded.file],
          bundle: true,
          platform: 'node',
          format: 'cjs',
          target: 'node20',
          external: RUNTIME_PACKAGES,
          // Not PACKAGE_ENTRY: a JavaScript topology may itself be topology.js, and esbuild refuses to overwrite its input.
          outfile: path.join(loaded.dir, '__squall_bundle__.js'),
          write: false,
          sourcemap: 'inline',
          logLevel: 'silent',
        });
        writeFileSync(path.join(staging, PACKAGE_ENTRY), out.outputFiles[0]!.contents);
      } catch (err) {
        const errors = (err as { errors?: Message[] }).errors ?? [];
        throw new TopologyLoadError(
          target,
          `cannot be bundled: ${errors.map((m) => m.text).join('; ') || String(err)}`,
          { cause: err },
        );
      }
      files.push(PACKAGE_ENTRY);
    }
    const project = loaded.project;
    const resources = project ? project.resourcesDir : isScript ? path.join(loaded.dir, PACKAGE_RESOURCES) : loaded.dir;
    if (existsSync(resources)) {
      const skipped = (rel: string) => /(^|[/\\])(node_modules|\.git|__pycache__)([/\\]|$)/.test(rel);
      // Links are copied as they are (not made absolute to this machine); ones that would dangle elsewhere are refused.
      checkResourceLinks(target, resources, skipped);
      cpSync(resources, path.join(staging, PACKAGE_RESOURCES), {
        recursive: true,
        verbatimSymlinks: true,
        filter: (src) => !skipped(path.relative(resources, src)),
      });
      files.push(`${PACKAGE_RESOURCES}/`);
    }
    writeFileSync(path.join(staging, 'spec.json'), JSON.stringify(loaded.topology.spec, null, 2));
    // Where a worker finds the topology: the bundle, or (YAML) the entry file inside resources/.
    let manifest: PackageManifest = {
      entry: isScript ? PACKAGE_ENTRY : `${PACKAGE_RESOURCES}/${path.basename(loaded.file)}`,
    };
    if (project) {
      for (const [name, text] of Object.entries(project.generated)) {
        mkdirSync(path.dirname(path.join(staging, PACKAGE_RESOURCES, name)), { recursive: true });
        writeFileSync(path.join(staging, PACKAGE_RESOURCES, name), text);
      }
      if (!files.includes(`${PACKAGE_RESOURCES}/`)) files.push(`${PACKAGE_RESOURCES}/`);
      manifest = { entry: `${PACKAGE_RESOURCES}/${project.entry}` };
      const staged = project.stage ? await project.stage(staging) : undefined;
      if (staged) {
        files.push(...staged.files);
        manifest = { ...staged.manifest, ...manifest };
      }
    }
    writeFileSync(path.join(staging, PACKAGE_MANIFEST), JSON.stringify(manifest));
    // The type check (options.typeCheck) ran while the module was compiled and bundled: a package is only made of a
    // module that passes it.
    const typeError = await loaded.typeErrors;
    if (typeError) throw typeError;
    files.push(PACKAGE_MANIFEST);
    const tarFile = path.join(staging, '..', `${path.basename(staging)}.tgz`);
    await createTar({ gzip: true, file: tarFile, cwd: staging, portable: true, noMtime: true }, ['.']);
    const bytes = readFileSync(tarFile);
    rmSync(tarFile, { force: true });
    return { bytes, digest: sha256(bytes), spec: loaded.topology.spec, files };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** sha256 of bytes, hex. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
