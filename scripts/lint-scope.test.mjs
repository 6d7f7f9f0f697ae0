// `npm run lint` covers exactly the files the project's tsconfigs include: a .ts file a user adds elsewhere (a
// topology to try something) is not linted, so it cannot fail the lint with "not found by the project service".
// Uses ESLint's API with the repository's own config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

test('the project sources are linted with type information', async () => {
  const eslint = new ESLint({ cwd: root });
  for (const file of [
    'packages/cli/src/bin.ts',
    'packages/cluster-state/test/crud.test.ts',
    'packages/local/bench/local-bench.ts',
    'packages/ui/web/src/main.ts',
    'test/harness/test-cluster.ts',
    'examples/wordcount/topology.ts',
  ]) {
    const config = await eslint.calculateConfigForFile(file);
    assert.ok(config?.languageOptions?.parserOptions?.projectService, `${file} is linted with the project service`);
    assert.equal(config.rules['@typescript-eslint/no-floating-promises']?.[0], 2, `${file} gets the type-aware rules`);
  }
});

test('a .ts file outside every tsconfig is not linted, so the lint does not fail on it', async () => {
  const dir = mkdtempSync(path.join(root, 'lint-scope-'));
  const stray = path.join(root, 'packages/cli', `${path.basename(dir)}.ts`);
  try {
    writeFileSync(path.join(dir, 'topology.ts'), 'export const x: any = 1;\n');
    writeFileSync(stray, 'export const y: any = 2;\n');
    const eslint = new ESLint({ cwd: root, errorOnUnmatchedPattern: false });
    assert.deepEqual(await eslint.lintFiles([dir]), []);
    assert.equal(
      await eslint.calculateConfigForFile(stray),
      undefined,
      'a file beside a package tsconfig but outside its include',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(stray, { force: true });
  }
});
