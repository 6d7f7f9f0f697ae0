import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../../../..');
const bin = path.join(root, 'packages/cli/dist/src/bin.js');

function squall(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 60000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('squall local --json runs the word count and prints one JSON object', () => {
  const logDir = mkdtempSync(path.join(tmpdir(), 'squall-log-'));
  const r = squall([
    'local',
    'examples/wordcount',
    '--duration',
    '1.5',
    '--json',
    '--log-file',
    path.join(logDir, 'wc.log'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.topology, 'wordcount');
  assert.ok(out.uptimeSecs >= 1.5);
  const { word, count } = out.components;
  for (const f of [
    'emitted',
    'transferred',
    'executed',
    'acked',
    'failed',
    'completeLatencyMs',
    'processLatencyMs',
    'executeLatencyMs',
    'capacity',
  ])
    assert.ok(f in count, `count has ${f}`);
  assert.ok(word.emitted > 1000, `word emitted ${word.emitted}`);
  assert.equal(word.transferred, word.emitted, 'fields grouping: one task per tuple');
  assert.ok(count.executed > 0 && count.executed <= word.emitted);
  assert.equal(count.executors, 2);
  assert.equal(count.failed, 0);
});

test('local mode loads neither gRPC nor protobufjs (squall local, and LocalCluster as a library)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'squall-modules-'));
  // Preloaded into the child: at exit, lists the loaded modules of the packages local mode must not need.
  const probe = path.join(dir, 'probe.js');
  writeFileSync(
    probe,
    "process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(Object.keys(require.cache).filter((k) => /[\\\\/](@grpc|protobufjs|prom-client)[\\\\/]/.test(k))) + '\\n'));\n",
  );
  const loaded = (stderr: string): string[] => {
    const line = stderr.split('\n').find((l) => l.startsWith('LOADED '));
    assert.ok(line, `the probe reported: ${stderr}`);
    return JSON.parse(line.slice('LOADED '.length)) as string[];
  };
  const cli = spawnSync(
    process.execPath,
    [
      '-r',
      probe,
      bin,
      'local',
      'examples/wordcount',
      '--duration',
      '1',
      '--json',
      '--log-file',
      path.join(dir, 'wc.log'),
    ],
    { cwd: root, encoding: 'utf8', timeout: 60000 },
  );
  assert.equal(cli.status, 0, cli.stderr);
  assert.ok(JSON.parse(cli.stdout).components.word.emitted > 0, 'the topology ran');
  assert.deepEqual(loaded(cli.stderr), [], 'squall local');
  const script = `
    const { LocalCluster } = require('@squall/local');
    const { BasicBolt, Spout, shuffle, topology } = require('@squall/api');
    class S extends Spout { declareOutputFields(d) { d.declare(['n']); } nextTuple() { this.collector.emit([1], 1); } }
    class B extends BasicBolt { declareOutputFields() {} execute() {} }
    (async () => {
      const cluster = await LocalCluster.create();
      const t = await cluster.submitTopology('t', {}, topology('t', { s: S.spec(), b: B.spec({ inputs: { s: shuffle() } }) }));
      await new Promise((r) => setTimeout(r, 500));
      if (!(t.stats().b.executed > 0)) throw new Error('nothing executed');
      await cluster.shutdown();
    })().catch((err) => { console.error(err); process.exitCode = 1; });`;
  const lib = spawnSync(process.execPath, ['-r', probe, '-e', script], {
    cwd: path.join(root, 'packages/local'),
    encoding: 'utf8',
    timeout: 60000,
  });
  assert.equal(lib.status, 0, lib.stderr);
  assert.deepEqual(loaded(lib.stderr), [], 'LocalCluster');
});

test('a topology path that does not exist: one clear line, non-zero exit', () => {
  const r = squall(['local', 'no/such/topology.ts']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim(), 'squall: no/such/topology.ts: no such file or directory');
});

test('a module that does not compile: file, line and problem, no stack trace', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'squall-bad-'));
  writeFileSync(path.join(dir, 'broken.ts'), 'export default topology(\n  let x = ;\n');
  const r = squall(['local', path.join(dir, 'broken.ts')]);
  assert.equal(r.code, 1);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /broken\.ts: does not compile: .*broken\.ts:2:\d+: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('a module that exports no topology', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'squall-bad-'));
  writeFileSync(path.join(dir, 'empty.js'), 'module.exports = { answer: 42 };\n');
  const r = squall(['local', path.join(dir, 'empty.js')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /empty\.js: does not export a topology/);
});

test('--verbose adds the stack trace', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'squall-bad-'));
  writeFileSync(path.join(dir, 'throws.js'), "throw new Error('kaboom');\n");
  const quiet = squall(['local', path.join(dir, 'throws.js')]);
  assert.match(quiet.stderr, /throws\.js: failed while loading: kaboom/);
  assert.doesNotMatch(quiet.stderr, /\n\s+at /);
  const verbose = squall(['--verbose', 'local', path.join(dir, 'throws.js')]);
  assert.match(verbose.stderr, /\n\s+at /);
});

test('an invalid topology is refused with every problem listed', () => {
  const r = squall(['local', 'packages/cli/test/fixtures/invalid-topology.ts']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /invalid topology 'invalid'/);
  assert.match(r.stderr, /the topology has no spout/);
  assert.match(r.stderr, /unknown source component 'words'/);
  assert.match(r.stderr, /'__hidden': ids starting with '__' are reserved/);
  assert.match(r.stderr, /'__hidden': parallelism must be an integer of at least 1, got 0/);
  // One error: nothing after the problem list (the log file's exit flush used to add 'sonic boom is not ready yet').
  assert.equal(r.stderr.match(/^squall: /gm)?.length, 1, r.stderr);
  assert.match(r.stderr.trimEnd(), /numTasks must be an integer of at least 1, got 0$/);
});

test('a log file that cannot be opened: one line naming it', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'squall-log-'));
  writeFileSync(path.join(dir, 'a-file'), '');
  const file = path.join(dir, 'a-file', 'wc.log');
  const r = squall(['local', 'examples/wordcount', '--duration', '1', '--log-file', file]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.ok(r.stderr.startsWith(`squall: cannot open log file ${file}: `), r.stderr);
});

test('bad -c values are refused naming the key', () => {
  const r = squall(['local', 'examples/wordcount', '-c', 'topology.workers=lots', '--duration', '1']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /topology.workers must be an integer, got "lots"/);
});

test('an unreachable nimbus: one clear line naming the address', () => {
  const r = squall(['list', '--nimbus', '127.0.0.1:1']);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr.trim(),
    /^squall: cannot reach nimbus at 127\.0\.0\.1:1: .*\(is it running\? pass --nimbus host:port or set nimbus\.seeds\)$/,
  );
});

/** A topology module in a temp dir (no tsconfig: the defaults apply), with a type error on line 5 (esbuild alone runs it). */
function mistyped(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'squall-typed-'));
  const wc = path.join(root, 'examples/wordcount');
  writeFileSync(
    path.join(dir, 'topology.ts'),
    [
      "import { fields, topology } from '@squall/api';",
      `import { WordCountBolt } from ${JSON.stringify(path.join(wc, 'word-count-bolt'))};`,
      `import { WordSpout } from ${JSON.stringify(path.join(wc, 'word-spout'))};`,
      '',
      "const par: number = 'two';",
      "export default topology('mistyped', {",
      '  word: WordSpout.spec(),',
      "  count: WordCountBolt.spec({ inputs: { word: fields('word') }, par: par > 1 ? 2 : 1 }),",
      '});',
      '',
    ].join('\n'),
  );
  return dir;
}

test('a module with a type error: stopped with file, line and message, exit 1; --no-typecheck runs it', () => {
  const dir = mistyped();
  // Its own cache dir, so nothing cached elsewhere answers (a failed check is not cached: both runs run the compiler).
  const env = { ...process.env, SQUALL_CACHE_DIR: path.join(dir, 'cache') };
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [bin, 'local', 'topology.ts', '--log-file', path.join(dir, 'log'), ...args], {
      cwd: dir,
      env,
      encoding: 'utf8',
      timeout: 60000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  for (const attempt of ['first', 'second']) {
    const r = run(['--duration', '30']);
    assert.equal(r.code, 1, `${attempt}: ${r.stderr}`);
    assert.equal(
      r.stderr.trim(),
      "squall: topology.ts: does not type-check (--no-typecheck skips it):\n  topology.ts:5:7: Type 'string' is not assignable to type 'number'.",
      attempt,
    );
    // The run stopped at the check's answer, not at the end of --duration.
    assert.doesNotMatch(r.stdout, /stopped 'mistyped' after/);
  }
  const skipped = run(['--duration', '1', '--no-typecheck', '--json']);
  assert.equal(skipped.code, 0, skipped.stderr);
  assert.ok(JSON.parse(skipped.stdout).components.word.emitted > 0);
});

test('the examples type-check clean', async () => {
  const { typeCheckModule } = await import('@squall/packager');
  for (const example of ['examples/wordcount/topology.ts'])
    assert.equal(await typeCheckModule(path.join(root, example), root), undefined, example);
});
