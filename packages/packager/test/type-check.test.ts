// The type check `squall submit` waits for before the upload (buildPackage with typeCheck) and that `squall local`
// runs alongside the topology: every problem with file and line, nothing but the module's own problems, and a package
// only of a module that passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildPackage, typeCheckModule, TopologyLoadError } from '../src';

const root = path.resolve(__dirname, '../../../..');

/** A topology in a fresh temp dir with its own cache dir; `line3` is its third line. */
function module(line3: string): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'squall-typecheck-'));
  process.env.SQUALL_CACHE_DIR = path.join(dir, 'cache');
  const spout = JSON.stringify(path.join(root, 'examples/wordcount/word-spout'));
  const file = path.join(dir, 'topology.ts');
  writeFileSync(
    file,
    [
      `import { topology } from '@squall/api';`,
      `import { WordSpout } from ${spout};`,
      line3,
      `export default topology('t', { word: WordSpout.spec({ par: n }) });`,
      '',
    ].join('\n'),
  );
  return { dir, file };
}

test('buildPackage with typeCheck refuses a module with a type error, naming file, line and column', async () => {
  const { dir, file } = module(`const n: number = undefined;`);
  await assert.rejects(buildPackage(file, dir, { typeCheck: true }), (err: unknown) => {
    assert.ok(err instanceof TopologyLoadError);
    assert.equal(
      err.message,
      "topology.ts: does not type-check (--no-typecheck skips it):\n  topology.ts:3:7: Type 'undefined' is not assignable to type 'number'.",
    );
    return true;
  });
  // Without the check the same module is packaged (esbuild strips types; the spec gets par: undefined → the default).
  const pkg = await buildPackage(file, dir);
  assert.equal(pkg.spec.name, 't');
});

test('a module that type-checks, and the seed example: no problems, then answered from the cache', async () => {
  const { dir, file } = module(`const n = 1;`);
  assert.equal(await typeCheckModule(file, dir), undefined);
  const started = Date.now();
  assert.equal(await typeCheckModule(file, dir), undefined);
  assert.ok(Date.now() - started < 1500, `a second check of an unchanged module took ${Date.now() - started} ms`);
  // An edit is seen: the stamps of the files read no longer match.
  writeFileSync(file, `import { helper } from './helper';\nconst n: string = helper;\nexport default n;\n`);
  const err = await typeCheckModule(file, dir);
  assert.match(
    err?.message ?? '',
    /^topology\.ts: does not type-check .*\n  topology\.ts:1:24: Cannot find module '\.\/helper' or its corresponding type declarations\.$/,
  );
  // ...and so is a file that was missing (a failed check is not cached).
  writeFileSync(path.join(dir, 'helper.ts'), `export const helper = 'ok';\n`);
  assert.equal(await typeCheckModule(file, dir), undefined);
  assert.equal(await typeCheckModule(path.join(root, 'examples/wordcount/topology.ts'), root), undefined);
});
