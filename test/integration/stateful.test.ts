// Stateful bolts on a real cluster, with their state in a real redis-server: a stateful word count on 3 workers keeps
// exact counts while nothing fails, and after a worker that holds count tasks is killed with SIGKILL mid-run (and
// restarted by its supervisor), no word is counted less often than it was emitted (at-least-once state); under
// exactly-once state, after a bolt worker and then the spout's worker are killed, every count is exact.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { RedisServer, RedisStateProvider } from '@squall/state';
import { expectedCounts } from '../fixtures/stateful-wordcount';
import { ROOT, TestCluster, eventually, readLines } from '../harness/test-cluster';

const FIXTURE = path.join(ROOT, 'test/fixtures/stateful-wordcount.ts');
let cluster: TestCluster;
let redis: RedisServer;

before(async () => {
  redis = await RedisServer.start({ password: 'state-secret' });
  cluster = await TestCluster.start({ supervisors: 3, slotsPerSupervisor: 1 });
});
after(async () => {
  await cluster?.shutdown();
  await redis?.shutdown();
});

const providerConfig = () => JSON.stringify({ host: '127.0.0.1', port: redis.port, password: 'state-secret' });

function submit(name: string, conf: Record<string, unknown>): { id: string; out: string } {
  const out = cluster.outputDir(name);
  const args = ['submit', FIXTURE, '--name', name, '--json', '-c', `squall.test.dir=${out}`];
  // Checkpoints every 250 ms: acks wait for them, so a test's words flow at about max pending per interval.
  const all = {
    'topology.state.provider': 'redis',
    'topology.state.provider.config': providerConfig(),
    'topology.state.checkpoint.interval.ms': 250,
    ...conf,
  };
  for (const [k, v] of Object.entries(all)) args.push('-c', `${k}=${JSON.stringify(v)}`);
  const r = cluster.cli(args);
  assert.equal(r.code, 0, r.stderr);
  return { id: (JSON.parse(r.stdout) as { topologyId: string }).topologyId, out };
}

/** Every word's committed count, summed over the count tasks' namespaces `<name>/count-<task>` in Redis. */
async function committedCounts(name: string, tasks: readonly number[]): Promise<Map<string, number>> {
  const provider = new RedisStateProvider({
    host: '127.0.0.1',
    port: redis.port,
    password: 'state-secret',
    database: 0,
    timeoutMs: 5000,
    keyPrefix: '',
  });
  try {
    const sum = new Map<string, number>();
    for (const task of tasks) {
      const loaded = await (await provider.open(`${name}/count-${task}`)).load();
      for (const [k, v] of loaded.committed) {
        const word = JSON.parse(k) as string;
        sum.set(word, (sum.get(word) ?? 0) + (JSON.parse(v) as number));
      }
    }
    return sum;
  } finally {
    await provider.close();
  }
}

/** Task ids of `component`: each task's namespace holds its own words, so reading every candidate id is exact. */
const candidateTasks = Array.from({ length: 20 }, (_, i) => i + 1);

test('3 workers, state in Redis: exact counts committed, every word acked once, the checkpoint spout never fails', async () => {
  const N = 3000;
  const { id, out } = submit('swc-exact', {
    'squall.test.words': N,
    'topology.workers': 3,
    'topology.max.spout.pending': 500,
  });
  try {
    await eventually('every word acked', () => new Set(readLines(out, 'acked-')).size === N || undefined, 120000);
    assert.deepEqual(readLines(out, 'failed-'), []);
    const stats = cluster.stats('swc-exact');
    assert.equal(stats.workers.length, 3);
    assert.equal(stats.components.$checkpointspout!.failed, 0);
    assert.deepEqual(await committedCounts('swc-exact', candidateTasks), expectedCounts(N));
    assert.deepEqual(stats.errors, []);
  } finally {
    cluster.cli(['kill', 'swc-exact', '-w', '0']);
    await eventually('its workers gone', () => cluster.workerPids(id).length === 0 || undefined, 30000);
  }
});

test('a worker holding count tasks killed with SIGKILL mid-run: restarted, its tasks resume from Redis, no word is counted short', async () => {
  const N = 6000;
  const name = 'swc-kill';
  const { id, out } = submit(name, {
    'squall.test.words': N,
    // Slow enough (15 s) that the kill lands while words are still being emitted: on a loaded machine the stats
    // call before it has taken several seconds.
    'squall.test.words.per.sec': 400,
    'topology.workers': 3,
    'topology.max.spout.pending': 200,
    'topology.message.timeout.secs': 5,
  });
  try {
    await eventually(
      'a tenth of the words acked',
      () => new Set(readLines(out, 'acked-')).size > N / 10 || undefined,
      120000,
    );
    // A worker with count tasks and neither spout: the word spout's replay list and position live in its memory.
    const stats = cluster.stats(name);
    const victim = stats.workers.find(
      (w) =>
        w.components.includes('count') && !w.components.includes('words') && !w.components.includes('$checkpointspout'),
    );
    assert.ok(victim, `a worker with only bolts: ${JSON.stringify(stats.workers)}`);
    // The spout is still emitting (at 400 words/s): the victim's tasks hold inputs not yet committed.
    assert.ok(new Set(readLines(out, 'acked-')).size < N * 0.8, 'words are still flowing when the worker is killed');
    await killWorker(id, victim.port);
    await eventually('every word acked', () => new Set(readLines(out, 'acked-')).size === N || undefined, 180000);
    const counts = await committedCounts(name, candidateTasks);
    const expected = expectedCounts(N);
    let extra = 0;
    for (const [word, n] of expected) {
      assert.ok((counts.get(word) ?? 0) >= n, `${word}: committed ${counts.get(word)}, emitted ${n}`);
      extra += (counts.get(word) ?? 0) - n;
    }
    assert.equal(counts.size, expected.size);
    const replayed = readLines(out, 'failed-').length;
    assert.ok(replayed > 0, "the killed tasks' inputs were failed and replayed");
    assert.ok(extra <= replayed, `over-count ${extra} is at most the ${replayed} replays`);
  } finally {
    cluster.cli(['kill', name, '-w', '0']);
    await eventually('its workers gone', () => cluster.workerPids(id).length === 0 || undefined, 30000);
  }
});

test('Redis stopped mid-run: checkpoints fail and are reported, naming Redis; once it is back they resume and every word ends up committed', async () => {
  const N = 3000;
  const name = 'swc-redis-down';
  const { id, out } = submit(name, {
    'squall.test.words': N,
    'topology.workers': 2,
    'topology.max.spout.pending': 200,
    'topology.message.timeout.secs': 10,
  });
  try {
    await eventually('some words acked', () => new Set(readLines(out, 'acked-')).size > 300 || undefined, 120000);
    await redis.stop();
    const during = new Set(readLines(out, 'acked-')).size;
    const stats = await eventually(
      'the failing checkpoints reported',
      () => {
        const s = cluster.stats(name);
        return s.errors.some((e) => e.message.includes(`127.0.0.1:${redis.port}`)) ? s : undefined;
      },
      60000,
    );
    const err = stats.errors.find((e) => e.message.includes(`127.0.0.1:${redis.port}`))!;
    assert.doesNotMatch(err.message, /state-secret/, 'the password is not in the error');
    assert.ok(
      new Set(readLines(out, 'acked-')).size - during <= 200,
      'no input is acked while nothing can be committed (at most what was already committed)',
    );
    await redis.restart();
    await eventually('every word acked', () => new Set(readLines(out, 'acked-')).size === N || undefined, 180000);
    const counts = await committedCounts(name, candidateTasks);
    for (const [word, n] of expectedCounts(N))
      assert.ok((counts.get(word) ?? 0) >= n, `${word}: committed ${counts.get(word)}, emitted ${n}`);
  } finally {
    cluster.cli(['kill', name, '-w', '0']);
    await eventually('its workers gone', () => cluster.workerPids(id).length === 0 || undefined, 30000);
  }
});

/** Kills the one worker process of topology `id` on `port` with SIGKILL and waits for its replacement. */
async function killWorker(id: string, port: number): Promise<void> {
  const pgrep = spawnSync('pgrep', ['-f', `${cluster.dir}/supervisor-[0-9]+/supervisor/workers/${id}-${port}/`], {
    encoding: 'utf8',
  });
  const pids = pgrep.stdout.split('\n').filter(Boolean).map(Number);
  assert.equal(pids.length, 1, `one worker process on port ${port}`);
  process.kill(pids[0]!, 'SIGKILL');
  await eventually(
    'its replacement',
    () => {
      const now = cluster.workerPids(id);
      return (now.length === 3 && !now.includes(pids[0]!)) || undefined;
    },
    60000,
  );
}

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

test('exactly-once state: a bolt worker, then the spout worker, killed with SIGKILL mid-run; the committed counts equal the words emitted exactly', async () => {
  const N = 6000;
  const name = 'swc-exactly-once';
  const { id } = submit(name, {
    'squall.test.words': N,
    // Slow enough that both kills land while words are still being emitted.
    'squall.test.words.per.sec': 400,
    'topology.workers': 3,
    'topology.max.spout.pending': 200,
    'topology.message.timeout.secs': 5,
    'topology.state.guarantee': 'exactly-once',
  });
  try {
    const committedTotal = async () => total(await committedCounts(name, candidateTasks));
    await eventually(
      'a sixth of the words committed',
      async () => (await committedTotal()) > N / 6 || undefined,
      120000,
    );
    const workers = cluster.stats(name).workers;
    const bolts = workers.find(
      (w) =>
        w.components.includes('count') && !w.components.includes('words') && !w.components.includes('$checkpointspout'),
    );
    assert.ok(bolts, `a worker with only bolts: ${JSON.stringify(workers)}`);
    await killWorker(id, bolts.port);
    const after1 = await committedTotal();
    await eventually(
      'more words committed',
      async () => (await committedTotal()) > after1 + N / 6 || undefined,
      120000,
    );
    const spout = cluster.stats(name).workers.find((w) => w.components.includes('words'))!;
    await killWorker(id, spout.port);
    await eventually('every word committed', async () => (await committedTotal()) >= N || undefined, 180000);
    // Two more checkpoints: nothing is added after the last word.
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(await committedCounts(name, candidateTasks), expectedCounts(N));
    const stats = cluster.stats(name);
    assert.ok(stats.components.$checkpointspout!.failed > 0, 'checkpoints failed and were rolled back');
  } finally {
    cluster.cli(['kill', name, '-w', '0']);
    await eventually('its workers gone', () => cluster.workerPids(id).length === 0 || undefined, 30000);
  }
});
