// Stack traces through a topology's code name the user's TypeScript file and line, in local mode (loadTopology) and
// in a worker (a built package, extracted and loaded as a worker does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { extract } from 'tar';
import { buildPackage, loadPackagedTopology } from '../src';

/** A topology module whose factory calls into another file that throws on its line 4. */
function writeThrowingTopology(dir: string): void {
  writeFileSync(
    path.join(dir, 'helper.ts'),
    [
      '// a helper',
      'export function makeIt(n: number): never {',
      '  const why: string = `no topology ${n}`;',
      '  throw new Error(why);',
      '}',
      '',
    ].join('\n'),
  );
  writeFileSync(
    path.join(dir, 'topology.ts'),
    ["import { makeIt } from './helper';", 'export default () => makeIt(42);', ''].join('\n'),
  );
}

async function stackOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (err) {
    const e = err as Error & { cause?: Error };
    return `${e.stack ?? ''}\n${e.cause?.stack ?? ''}`;
  }
  assert.fail('expected the topology to throw');
}

test('local mode: the stack names helper.ts:4', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'squall-sm-'));
  try {
    writeThrowingTopology(dir);
    // In a process whose working directory is deeper than the module's: source paths must not depend on where squall
    // runs (esbuild reads its working directory once, when it loads, so this needs a process of its own).
    const deep = path.join(dir, 'a', 'b', 'c', 'd');
    mkdirSync(deep, { recursive: true });
    const script = `require(${JSON.stringify(path.resolve(__dirname, '../src'))}).loadTopology(${JSON.stringify(path.join(dir, 'topology.ts'))}).catch((e) => { console.log(e.stack + '\\n' + (e.cause ? e.cause.stack : '')); })`;
    const stack = execFileSync(process.execPath, ['-e', script], { cwd: deep, encoding: 'utf8' });
    assert.match(stack, /no topology 42/);
    assert.match(stack, new RegExp(`${path.join(dir, 'helper.ts').replace(/[.]/g, '\\.')}:4:\\d+`), stack);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a packaged topology, loaded as a worker loads it: the stack names helper.ts:4 in the package', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'squall-sm-'));
  try {
    const src = path.join(dir, 'src');
    mkdirSync(src);
    writeThrowingTopology(src);
    // Building loads the topology (for its spec), so the factory fails only where the test says it runs as a worker.
    writeFileSync(
      path.join(src, 'topology.ts'),
      [
        "import { Spout, topology, type OutputFieldsDeclarer } from '@squall/api';",
        "import { makeIt } from './helper';",
        'class S extends Spout {',
        "  override declareOutputFields(d: OutputFieldsDeclarer): void { d.declare(['x']); }",
        '  override nextTuple(): void {}',
        '}',
        "export default () => (process.env.SQUALL_SM_TEST === 'worker' ? makeIt(42) : topology('sm', { s: S.spec() }));",
        '',
      ].join('\n'),
    );
    const pkg = await buildPackage(path.join(src, 'topology.ts'));
    const packageDir = path.join(dir, 'extracted');
    mkdirSync(packageDir);
    writeFileSync(path.join(dir, 'p.tgz'), pkg.bytes);
    await extract({ file: path.join(dir, 'p.tgz'), cwd: packageDir });
    process.env.SQUALL_SM_TEST = 'worker';
    const stack = await stackOf(() => loadPackagedTopology(packageDir)).finally(
      () => delete process.env.SQUALL_SM_TEST,
    );
    assert.match(stack, /no topology 42/);
    assert.ok(stack.includes(`${path.join(packageDir, 'helper.ts')}:4:`), stack);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
