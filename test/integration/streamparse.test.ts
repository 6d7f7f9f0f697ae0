import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, TestCluster, eventually } from '../harness/test-cluster';

const DEPS = path.join(ROOT, 'test/fixtures/streamparse-deps');
let cluster: TestCluster;
let scratch: string;

before(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'squall-sparse-it-'));
  // The CLI's local virtualenvs (the topology is evaluated with the project's requirements) go here, not to ~/.cache.
  process.env.SQUALL_CACHE_DIR = path.join(scratch, 'cache');
  // A virtualenv takes seconds to install on a busy machine: more than FAST_CONF's 10 s before nimbus moves a worker.
  cluster = await TestCluster.start({
    supervisors: 1,
    slotsPerSupervisor: 2,
    conf: { 'nimbus.task.timeout.secs': 30 },
  });
});
after(async () => {
  await cluster?.shutdown();
  rmSync(scratch, { recursive: true, force: true });
});

async function kill(name: string, id: string): Promise<void> {
  assert.equal(cluster.cli(['kill', name, '-w', '0']).code, 0);
  await eventually(
    `${name}'s workers to exit`,
    () => (!cluster.cli(['list']).stdout.includes(name) && cluster.workerPids(id).length === 0) || undefined,
    30000,
  );
}

test('the unmodified sparse quickstart project (examples/wordcount-streamparse) runs on the cluster: the Python bolts count and ack', async () => {
  const r = cluster.cli(['submit', 'examples/wordcount-streamparse', '-c', 'topology.workers=2', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const id = (JSON.parse(r.stdout) as { topologyId: string }).topologyId;
  assert.match(id, /^wordcount-/);
  const stats = await eventually(
    'count_bolt acking on two workers',
    () => {
      const s = cluster.stats('wordcount');
      return s.components.count_bolt!.acked > 2000 && s.workers.length === 2 ? s : undefined;
    },
    90000,
  );
  assert.equal(stats.components.count_bolt!.failed, 0);
  assert.equal(stats.components.word_spout!.failed, 0);
  assert.deepEqual(stats.errors, []);
  const counted = /"component":"count_bolt","task":\d+,"childPid":\d+,"msg":"counted \[[\d,]+\] words \[pid=\d+\]"/;
  await eventually(
    "the Python bolt's log line in a worker log",
    () => counted.test(cluster.workerLogs(id).join('\n')) || undefined,
    30000,
  );
  await kill('wordcount', id);
});

test("requirements: wheels resolved at submit, installed offline into the topology's virtualenv on the supervisor, removed with it", async () => {
  const r = cluster.cli(['submit', DEPS], 240000);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /virtualenvs\/tables\.txt:1: 'streamparse' is provided by Squall's Python library/);
  assert.match(
    r.stderr,
    /python: resolving 1 requirement\(s\) of test\/fixtures\/streamparse-deps\/virtualenvs\/tables\.txt into wheels/,
  );
  assert.match(r.stderr, /python: 1 wheel\(s\) packaged \(tabulate-[\d.]+-py3-none-any\.whl\)/);
  const id = /as (tables-\S+)/.exec(r.stdout)![1]!;
  const envs = path.join(cluster.dir, 'supervisor-0', 'supervisor', 'python-envs');
  // Reliable spout tuples acked end to end: the bolt that imports tabulate at module level runs.
  const stats = await eventually(
    'tuples acked through the bolt that needs tabulate',
    () => {
      const s = cluster.stats('tables');
      return s.components.row_spout!.acked > 500 ? s : undefined;
    },
    120000,
  );
  assert.equal(stats.components.table_bolt!.failed, 0);
  assert.deepEqual(stats.errors, []);
  const fromVenv = new RegExp(
    `tabulate [\\d.]+ from ${envs}/${id}/[0-9a-f]{16}/lib/python[\\d.]+/site-packages/tabulate`,
  );
  await eventually(
    'the bolt logging where tabulate came from',
    () => fromVenv.test(cluster.workerLogs(id).join('\n')) || undefined,
    30000,
  );
  assert.deepEqual(readdirSync(envs), [id]);
  await kill('tables', id);
  await eventually("the topology's virtualenv removed", () => !existsSync(path.join(envs, id)) || undefined, 30000);
});

test('a requirement pip cannot resolve fails the submit, naming the file, line and requirement', () => {
  const project = path.join(scratch, 'bad-deps');
  cpSync(DEPS, project, { recursive: true });
  // tabulate 0.10 has no wheel for Python 2.7: the local virtualenv (this machine's Python) installs, the wheel step fails.
  writeFileSync(path.join(project, 'virtualenvs/tables.txt'), 'streamparse\ntabulate==0.10.0\n');
  const old = cluster.cli(['submit', project, '--python-version', '2.7'], 240000);
  assert.equal(old.code, 1);
  assert.match(
    old.stderr,
    /virtualenvs\/tables\.txt:2: 'tabulate==0\.10\.0': pip found no wheel for this machine, Python 2\.7/,
  );
  appendFileSync(path.join(project, 'virtualenvs/tables.txt'), 'squall-no-such-package-zz9\n');
  const missing = cluster.cli(['submit', project], 240000);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /virtualenvs\/tables\.txt:3: 'squall-no-such-package-zz9': pip found no /);
  assert.equal(cluster.cli(['list']).stdout.includes('tables'), false);
});
