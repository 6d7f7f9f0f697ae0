import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../../../..');
const bin = path.join(root, 'packages/cli/dist/src/bin.js');
const scratch = mkdtempSync(path.join(tmpdir(), 'squall-sparse-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function squall(args: string[], cwd = root, env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 120000, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface LocalJson {
  topology: string;
  components: Record<string, { emitted: number; executed: number; acked: number; failed: number; executors: number }>;
  errors: unknown[];
}

test('squall local runs the unmodified sparse quickstart project (examples/wordcount-streamparse) and counts words', () => {
  const r = squall([
    'local',
    'examples/wordcount-streamparse',
    '--duration',
    '4',
    '--json',
    '--log-file',
    path.join(scratch, 'wc.log'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /virtualenvs\/wordcount\.txt:1: 'streamparse' is provided by Squall's Python library/);
  const out = JSON.parse(r.stdout) as LocalJson;
  assert.equal(out.topology, 'wordcount');
  const { word_spout: spout, count_bolt: bolt } = out.components;
  assert.ok(spout!.emitted > 500, `word_spout emitted ${spout!.emitted}`);
  assert.ok(bolt!.executed > 500, `count_bolt executed ${bolt!.executed}`);
  assert.equal(bolt!.acked, bolt!.executed, 'the Python bolt acks every input (auto_ack)');
  assert.equal(bolt!.executors, 2);
  assert.equal(bolt!.failed, 0);
  assert.deepEqual(out.errors, []);
  // The bolt's own log line (every 1,000 words counted) reached Squall's log.
  assert.match(
    readFileSync(path.join(scratch, 'wc.log'), 'utf8'),
    /"component":"count_bolt".*counted \[[\d,]+\] words \[pid=\d+\]/,
  );
});

test('a project with several topologies and no --name: one line listing them, exit 1', () => {
  const project = path.join(scratch, 'two');
  spawnSync('cp', ['-r', path.join(root, 'examples/wordcount-streamparse'), project]);
  spawnSync('cp', [path.join(project, 'topologies/wordcount.py'), path.join(project, 'topologies/other.py')]);
  const r = squall(['local', project, '--duration', '1']);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr.trim(),
    `squall: streamparse project ${project}: ${project}/topologies defines 2 topologies: other, wordcount; pick one with --name <topology>`,
  );
});

test('squall quickstart makes a project that squall local runs; --typescript makes the TypeScript word count', () => {
  const made = squall(['quickstart', 'qsproj'], scratch);
  assert.equal(made.code, 0, made.stderr);
  for (const f of [
    'config.json',
    'src/spouts/words.py',
    'src/bolts/wordcount.py',
    'topologies/qsproj.py',
    'virtualenvs/qsproj.txt',
  ])
    assert.ok(existsSync(path.join(scratch, 'qsproj', f)), f);
  const run = squall(['local', 'qsproj', '--duration', '3', '--json', '--log-file', '-'], scratch);
  assert.equal(run.code, 0, run.stderr);
  const out = JSON.parse(run.stdout) as LocalJson;
  assert.equal(out.topology, 'qsproj');
  assert.ok(out.components.count_bolt!.executed > 100, `count_bolt executed ${out.components.count_bolt!.executed}`);
  assert.equal(squall(['quickstart', 'qsproj'], scratch).code, 1, 'an existing directory is refused');

  assert.equal(squall(['quickstart', 'tsproj', '--typescript'], scratch).code, 0);
  const ts = squall(['local', 'tsproj', '--duration', '1.5', '--json', '--log-file', '-'], scratch);
  assert.equal(ts.code, 0, ts.stderr);
  assert.ok((JSON.parse(ts.stdout) as LocalJson).components.count!.executed > 1000);
});
