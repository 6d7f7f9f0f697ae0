import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import path from 'node:path';
import { ROOT, TestCluster, eventually, readLines } from '../harness/test-cluster';

const FIXTURE = path.join(ROOT, 'test/fixtures/finite-wordcount.ts');
let cluster: TestCluster;

before(async () => {
  cluster = await TestCluster.start({ supervisors: 3, slotsPerSupervisor: 2 });
});
after(async () => {
  await cluster?.shutdown();
});

/** Submits the finite word count; returns its id and output dir. */
function submit(name: string, conf: Record<string, unknown>): { id: string; out: string } {
  const out = cluster.outputDir(name);
  const args = ['submit', FIXTURE, '--name', name, '--json', '-c', `squall.test.dir=${out}`];
  for (const [k, v] of Object.entries(conf)) args.push('-c', `${k}=${JSON.stringify(v)}`);
  const r = cluster.cli(args);
  assert.equal(r.code, 0, r.stderr);
  return { id: (JSON.parse(r.stdout) as { topologyId: string }).topologyId, out };
}

const uniqueAcked = (out: string) => new Set(readLines(out, 'acked-')).size;

async function kill(name: string): Promise<void> {
  assert.equal(cluster.cli(['kill', name, '-w', '0']).code, 0);
  await eventually(`${name} gone`, () => !cluster.cli(['list']).stdout.includes(name) || undefined, 30000);
}

test('finite word count with acking on 3 workers: exact counts, one task per word, acked = emitted', async () => {
  const M = 3000;
  const { id, out } = submit('wc-exact', { 'squall.test.words': M, 'topology.workers': 3 });
  assert.match(id, /^wc-exact-\d+-\d+$/);
  // Killed even when an assertion fails, so the tests after this one find the cluster's slots free.
  try {
    await eventually('every word acked', () => uniqueAcked(out) === M || undefined, 60000);
    const sink = readLines(out, 'sink-').map((l) => l.split(' '));
    assert.equal(sink.length, M, 'each counted word reached the sink once');
    const byWord = new Map<string, { max: number; tasks: Set<string> }>();
    for (const [word, count, task] of sink) {
      const e = byWord.get(word!) ?? { max: 0, tasks: new Set<string>() };
      e.max = Math.max(e.max, Number(count));
      e.tasks.add(task!);
      byWord.set(word!, e);
    }
    assert.equal(byWord.size, 10);
    for (const [word, e] of byWord) {
      assert.equal(e.max, M / 10, `final count of ${word}`);
      assert.equal(e.tasks.size, 1, `${word} counted by exactly one task`);
    }
    // Each worker's stats reach nimbus on its own heartbeat: wait until the spout's and both counting tasks' have.
    const stats = await eventually('stats to catch up', () => {
      const s = cluster.stats('wc-exact');
      return s.components.words!.acked === M && s.components.count!.executed >= M ? s : undefined;
    });
    assert.equal(stats.components.words!.emitted, M, 'no replays in a healthy run');
    assert.equal(stats.components.words!.failed, 0);
    assert.equal(stats.components.count!.executed, M);
    assert.equal(stats.workers.length, 3);
    assert.equal(new Set(stats.workers.map((w) => `${w.host}:${w.port}`)).size, 3);
  } finally {
    await kill('wc-exact');
  }
});

test('kill stops the workers and removes the topology; an unknown name is a clear error', async () => {
  const { id } = submit('wc-kill', {
    'squall.test.words': 1000000,
    'squall.test.pause.every': 100,
    'squall.test.pause.ms': 10,
  });
  await eventually('workers running', () => cluster.workerPids(id).length > 0 || undefined);
  const dup = cluster.cli(['submit', FIXTURE, '--name', 'wc-kill']);
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /a topology named 'wc-kill' is already running/);
  await kill('wc-kill');
  await eventually('its workers to exit', () => cluster.workerPids(id).length === 0 || undefined, 30000);
  const again = cluster.cli(['kill', 'wc-kill']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /no running topology named 'wc-kill'/);
});

test('rebalance from 2 to 3 workers loses no tracked tuple', async () => {
  const M = 6000;
  const { out } = submit('wc-rebalance', {
    'squall.test.words': M,
    'topology.workers': 2,
    'squall.test.pause.every': 200,
    'squall.test.pause.ms': 100,
    'topology.message.timeout.secs': 5,
  });
  await eventually('some words acked', () => uniqueAcked(out) > 500 || undefined, 60000);
  const r = cluster.cli(['rebalance', 'wc-rebalance', '-w', '1', '-n', '3']);
  assert.equal(r.code, 0, r.stderr);
  await eventually('3 workers', () => cluster.stats('wc-rebalance').workers.length === 3 || undefined, 60000);
  await eventually('every word acked after the rebalance', () => uniqueAcked(out) === M || undefined, 120000);
  assert.equal(cluster.stats('wc-rebalance').status, 'ACTIVE');
  await kill('wc-rebalance');
});

test('ZooKeeper restarted mid-run: the topology keeps going and completes', async () => {
  const M = 4000;
  const { out } = submit('wc-zk', {
    'squall.test.words': M,
    'squall.test.pause.every': 200,
    'squall.test.pause.ms': 100,
    'topology.message.timeout.secs': 5,
  });
  await eventually('some words acked', () => uniqueAcked(out) > 400 || undefined, 60000);
  await cluster.zk.stop();
  const during = uniqueAcked(out);
  await new Promise((r) => setTimeout(r, 3000));
  assert.ok(uniqueAcked(out) > during, 'tuples keep flowing while ZooKeeper is down (workers do not need it)');
  await cluster.zk.restart();
  await eventually('every word acked', () => uniqueAcked(out) === M || undefined, 120000);
  for (const d of cluster.daemons) assert.equal(d.child.exitCode, null, `${d.name} still running`);
  await eventually('nimbus answers again', () => cluster.cli(['list']).stdout.includes('wc-zk') || undefined, 30000);
  await kill('wc-zk');
});

test('a worker killed with SIGKILL is restarted by its supervisor and the topology completes', async () => {
  const M = 4000;
  const { id, out } = submit('wc-sigkill', {
    'squall.test.words': M,
    'topology.workers': 2,
    'squall.test.pause.every': 200,
    'squall.test.pause.ms': 100,
    'topology.message.timeout.secs': 5,
  });
  await eventually('some words acked', () => uniqueAcked(out) > 400 || undefined, 60000);
  const before = cluster.workerPids(id);
  assert.equal(before.length, 2);
  process.kill(before[0]!, 'SIGKILL');
  await eventually(
    'a replacement worker',
    () => {
      const now = cluster.workerPids(id);
      return (now.length === 2 && !now.includes(before[0]!)) || undefined;
    },
    30000,
  );
  await eventually('every word acked', () => uniqueAcked(out) === M || undefined, 120000);
  await kill('wc-sigkill');
});

test('corrupt, truncated and invalid submissions are refused with a clear error, and nothing running is disturbed', async () => {
  const { createNimbusClient } = await import('@squall/protocol');
  const { id, out } = submit('wc-bystander', {
    'squall.test.words': 1000000,
    'squall.test.pause.every': 100,
    'squall.test.pause.ms': 20,
  });
  await eventually('bystander running', () => uniqueAcked(out) > 50 || undefined, 60000);
  const client = createNimbusClient(cluster.nimbusAddress);
  const send = (header: Record<string, unknown>, chunks: Buffer[]) =>
    new Promise<string>((resolve) => {
      const call = client.submitTopology((err) => resolve(err ? err.details : 'accepted'));
      call.write({ header });
      for (const c of chunks) call.write({ chunk: c });
      call.end();
    });
  const spec = JSON.stringify({
    name: 'x',
    conf: {},
    components: [
      {
        id: 'w',
        kind: 'spout',
        parallelism: 1,
        numTasks: 1,
        inputs: [],
        outputs: [{ id: 'default', fields: ['a'], direct: false }],
        conf: {},
      },
    ],
  });
  const bytes = Buffer.from('not really a package');
  const digest = (await import('node:crypto')).createHash('sha256').update(bytes).digest('hex');
  assert.match(
    await send({ name: 'corrupt', specJson: spec, packageDigest: 'f'.repeat(64), packageSize: bytes.length }, [bytes]),
    /package corrupt: sha256 is/,
  );
  assert.match(
    await send({ name: 'truncated', specJson: spec, packageDigest: digest, packageSize: bytes.length + 10 }, [bytes]),
    /truncated/,
  );
  assert.match(
    await send({ name: 'bad spec', specJson: '{', packageDigest: digest, packageSize: bytes.length }, [bytes]),
    /not valid JSON/,
  );
  const invalid = JSON.stringify({
    name: 'x',
    conf: {},
    components: [{ id: '__x', kind: 'bolt', parallelism: 0, numTasks: 1, inputs: [], outputs: [], conf: {} }],
  });
  const msg = await send({ name: 'invalid', specJson: invalid, packageDigest: digest, packageSize: bytes.length }, [
    bytes,
  ]);
  assert.match(msg, /the topology has no spout/);
  assert.match(msg, /reserved for system components/);
  assert.match(msg, /parallelism must be an integer of at least 1/);
  client.close();
  const list = cluster.cli(['list', '--json']);
  const names = (JSON.parse(list.stdout) as { topologies: Array<{ name: string; status: string }> }).topologies;
  assert.deepEqual(
    names.map((t) => `${t.name}:${t.status}`),
    ['wc-bystander:ACTIVE'],
  );
  const before = uniqueAcked(out);
  await eventually('bystander still making progress', () => uniqueAcked(out) > before + 20 || undefined, 30000);
  assert.equal(cluster.workerPids(id).length > 0, true);
  await kill('wc-bystander');
});

test('the Python word count (YAML topology, multi-lang components) runs on the cluster', async () => {
  const r = cluster.cli([
    'submit',
    'examples/wordcount-python',
    '--name',
    'wc-python',
    '-c',
    'topology.workers=2',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const id = (JSON.parse(r.stdout) as { topologyId: string }).topologyId;
  const stats = await eventually(
    'Python bolts counting on two workers',
    () => {
      const s = cluster.stats('wc-python');
      return s.components.count!.executed > 2000 && s.workers.length === 2 ? s : undefined;
    },
    90000,
  );
  assert.equal(stats.components.count!.failed, 0);
  assert.equal(stats.components.word!.failed, 0);
  assert.deepEqual(stats.errors, []);
  // The Python bolt's own log line reaches the worker log with its component and task (log files are written
  // asynchronously, so the line may land after the counters that nimbus reports).
  const counted = /"component":"count","task":\d+,"childPid":\d+,"msg":"counted \[[\d,]+\] words \[pid=\d+\]"/;
  await eventually(
    "the Python bolt's log line in a worker log",
    () => counted.test(cluster.workerLogs(id).join('\n')) || undefined,
    30000,
  );
  assert.ok(pythonChildrenOf(id), 'Python children run inside the package dir while the topology runs');
  await kill('wc-python');
  await eventually(
    'its workers and Python children to exit',
    () => (cluster.workerPids(id).length === 0 && !pythonChildrenOf(id)) || undefined,
    30000,
  );
});

/** Whether any Python component process of this topology still runs (its working directory is in the package). */
function pythonChildrenOf(topologyId: string): boolean {
  const pids = spawnSync('pgrep', ['-f', 'squall.run'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  return pids.some((pid) => {
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      return cwd.startsWith(cluster.dir) && cwd.includes(topologyId);
    } catch {
      return false;
    }
  });
}

test('a slot port taken by another process: the worker error is reported, and the slot recovers once the port frees', async () => {
  const { createServer } = await import('node:net');
  const { findFreePort } = await import('@squall/cluster-state');
  const port = await findFreePort();
  // Peers' gRPC connections to the slot reach the blocker while it holds the port; close() would wait for them.
  const accepted = new Set<import('node:net').Socket>();
  const blocker = createServer((socket) => {
    accepted.add(socket);
    socket.on('close', () => accepted.delete(socket));
  });
  await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
  try {
    await cluster.addSupervisor(1, [port]);
    await cluster.waitForSupervisors(4);
    // 7 workers need every slot, the blocked one included.
    const { id } = submit('wc-port', {
      'squall.test.words': 1000000,
      'squall.test.pause.every': 100,
      'squall.test.pause.ms': 20,
      'topology.workers': 7,
    });
    // The conflict can be reported before the other workers' first heartbeats (a loaded machine): wait for both.
    const stats = await eventually(
      'the port conflict reported, with all 7 workers listed',
      () => {
        const s = cluster.stats('wc-port');
        return s.errors.some((e) => e.message.includes(`:${port}:`) && e.message.includes('port is in use')) &&
          s.workers.length === 7
          ? s
          : undefined;
      },
      90000,
    );
    assert.equal(stats.workers.length, 7);
    assert.equal(cluster.workerPids(id).length >= 6, true, 'the other workers run');
  } finally {
    const closed = new Promise((resolve) => blocker.close(resolve));
    for (const socket of accepted) socket.destroy();
    await closed;
  }
  await eventually(
    'the worker on the freed port to start',
    () => cluster.stats('wc-port').workers.every((w) => w.status === 'RUNNING') || undefined,
    90000,
  );
  await kill('wc-port');
});
