// A package as `squall submit` builds it and as a worker loads it: built from a topology module, unpacked, loaded
// again; and the loaders for what is not a module, passed explicitly (nothing is registered process-wide).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { extract } from 'tar';
import {
  buildPackage,
  loadPackagedTopology,
  loadTopology,
  PACKAGE_ENTRY,
  PACKAGE_MANIFEST,
  sha256,
  TopologyLoadError,
  type LoadedProject,
  type ProjectLoader,
} from '../src';

const root = path.resolve(__dirname, '../../../..');

/** A project dir: topology.ts (the seed's word count, from its example components) and resources/words.txt. */
function project(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'squall-package-'));
  process.env.SQUALL_CACHE_DIR = path.join(dir, '.cache');
  const examples = (name: string) => JSON.stringify(path.join(root, 'examples/wordcount', name));
  writeFileSync(
    path.join(dir, 'topology.ts'),
    [
      `import { fields, topology } from '@squall/api';`,
      `import { WordSpout } from ${examples('word-spout')};`,
      `import { WordCountBolt } from ${examples('word-count-bolt')};`,
      `export default topology('packaged', { word: WordSpout.spec(), count: WordCountBolt.spec({ inputs: { word: fields('word') }, par: 3 }) }, { 'topology.workers': 2 });`,
      '',
    ].join('\n'),
  );
  mkdirSync(path.join(dir, 'resources'));
  writeFileSync(path.join(dir, 'resources', 'words.txt'), 'storm\nsquall\n');
  return dir;
}

async function unpack(bytes: Buffer, into: string): Promise<void> {
  mkdirSync(into, { recursive: true });
  const tgz = path.join(into, '..', 'package.tgz');
  writeFileSync(tgz, bytes);
  await extract({ file: tgz, cwd: into, strict: true });
}

test('a built package unpacks to the bundle, spec, resources and manifest, and loads to the same topology', async () => {
  const dir = project();
  try {
    const pkg = await buildPackage('topology.ts', dir);
    assert.equal(pkg.digest, sha256(pkg.bytes));
    assert.deepEqual([...pkg.files].sort(), [PACKAGE_MANIFEST, 'resources/', 'spec.json', PACKAGE_ENTRY].sort());
    const unpacked = path.join(dir, 'unpacked');
    await unpack(pkg.bytes, unpacked);
    assert.deepEqual(JSON.parse(readFileSync(path.join(unpacked, PACKAGE_MANIFEST), 'utf8')), { entry: PACKAGE_ENTRY });
    assert.deepEqual(JSON.parse(readFileSync(path.join(unpacked, 'spec.json'), 'utf8')), pkg.spec);
    assert.equal(readFileSync(path.join(unpacked, 'resources', 'words.txt'), 'utf8'), 'storm\nsquall\n');
    // The worker's side: the bundle holds the user's code, the runtime packages come from this installation.
    rmSync(path.join(dir, 'topology.ts'));
    const loaded = await loadPackagedTopology(unpacked);
    assert.deepEqual(loaded.spec, pkg.spec);
    assert.equal(loaded.name, 'packaged');
    assert.equal(loaded.component('count')?.parallelism, 3);
    assert.deepEqual(loaded.spec.conf, { 'topology.workers': 2 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a package whose entry is not the bundle needs a file loader for its extension, passed by the caller', async () => {
  const dir = project();
  try {
    const module = await loadTopology('topology.ts', dir);
    const pkgDir = path.join(dir, 'yaml-package');
    mkdirSync(path.join(pkgDir, 'resources'), { recursive: true });
    writeFileSync(path.join(pkgDir, 'resources', 'topology.yaml'), 'name: packaged\n');
    writeFileSync(path.join(pkgDir, PACKAGE_MANIFEST), JSON.stringify({ entry: 'resources/topology.yaml' }));
    await assert.rejects(loadPackagedTopology(pkgDir), (err: unknown) => {
      assert.ok(err instanceof TopologyLoadError);
      assert.match(err.message, /resources\/topology\.yaml: no loader for \.yaml topologies was given to this worker/);
      return true;
    });
    await assert.rejects(
      loadPackagedTopology(pkgDir, { files: { '.yml': async () => module.topology } }),
      /no loader for \.yaml/,
    );
    const asked: string[] = [];
    const loaded = await loadPackagedTopology(pkgDir, {
      files: {
        '.yaml': async (file) => {
          asked.push(file);
          return module.topology;
        },
      },
    });
    assert.equal(loaded, module.topology);
    assert.deepEqual(asked, [path.join(pkgDir, 'resources', 'topology.yaml')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadTopology: a YAML file without a loader is a clear error, not a module that fails to compile', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'squall-package-'));
  try {
    writeFileSync(path.join(dir, 'topology.yml'), 'name: t\n');
    await assert.rejects(loadTopology(dir), (err: unknown) => {
      assert.ok(err instanceof TopologyLoadError);
      assert.equal(
        err.message.endsWith('topology.yml: no loader for .yml topologies was given to this process'),
        true,
        err.message,
      );
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a project loader is consulted for a directory only when passed; otherwise the directory holds a topology file', async () => {
  const dir = project();
  try {
    writeFileSync(path.join(dir, 'project.marker'), '');
    const module = await loadTopology('topology.ts', dir);
    const seen: string[] = [];
    const loader: ProjectLoader = {
      detects: (d) => existsSync(path.join(d, 'project.marker')),
      load: async (d, options): Promise<LoadedProject> => {
        seen.push(`${d}:${options.name}`);
        return {
          topology: module.topology,
          file: path.join(d, 'project.marker'),
          resourcesDir: path.join(d, 'resources'),
          generated: { 'gen.txt': 'x' },
          entry: 'gen.txt',
        };
      },
    };
    const viaLoader = await loadTopology(dir, dir, { name: 'n', loaders: { projects: [loader] } });
    assert.deepEqual(seen, [`${dir}:n`]);
    assert.equal(viaLoader.project?.entry, 'gen.txt');
    assert.equal(viaLoader.dir, path.join(dir, 'resources'));
    const plain = await loadTopology(dir, dir);
    assert.equal(plain.project, undefined);
    assert.equal(plain.file, path.join(dir, 'topology.ts'));
    assert.deepEqual(seen.length, 1, 'a loader that was not passed is never asked');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
