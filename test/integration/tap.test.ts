import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createWorkerClient, unaryCall, WorkerService } from '@squall/protocol';
import { ROOT, SQUALL, TestCluster, eventually } from '../harness/test-cluster';

// `squall tap` against a real cluster whose nimbus requires a token: taps are fanned out by nimbus to the workers
// over calls proving the topology's secret; each worker's Ping reports how many taps it serves.
const TOKEN = 'tap-test-token';
const FINITE = 'tap-finite';
const ENDLESS = 'tap-endless';
const PYTHON = 'tap-python';
const CAPPED = 'tap-capped';
/** Numbers the finite topology emits: enough for a 10% sample to be checked within 6 sigma. */
const NUMBERS = 4000;
let cluster: TestCluster;

const cli = (...args: string[]) => cluster.cli([...args, '-c', `nimbus.auth.token=${TOKEN}`]);

/** A running `squall tap` process with its output so far. */
interface TapProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function startTap(args: string[], token = true): TapProcess {
  const child = spawn(
    process.execPath,
    [SQUALL, 'tap', ...args, '--nimbus', cluster.nimbusAddress, ...(token ? ['-c', `nimbus.auth.token=${TOKEN}`] : [])],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** "host:port" of every worker of a topology, once all of them heartbeat. */
async function workersOf(name: string, n: number): Promise<string[]> {
  return eventually(
    `${n} running workers of ${name}`,
    () => {
      const s = cluster.stats(name);
      const running = s.workers.filter((w) => w.status === 'RUNNING' || w.status === 'WORKER_STATUS_RUNNING');
      return s.workers.length >= n && running.length >= n ? s.workers.map((w) => `${w.host}:${w.port}`) : undefined;
    },
    90000,
  );
}

/** Taps a worker serves, from its Ping. */
async function activeTaps(address: string): Promise<number> {
  const client = createWorkerClient(address);
  try {
    const res = await unaryCall(client, WorkerService.ping, { nonce: 1 }, { deadline: Date.now() + 5000 });
    return res.activeTaps;
  } finally {
    client.close();
  }
}

async function tapsEverywhere(workers: string[], n: number, what: string): Promise<void> {
  await eventually(
    what,
    async () => {
      for (const w of workers) if ((await activeTaps(w)) !== n) return undefined;
      return true;
    },
    30000,
  );
}

function lines(text: string): Array<{
  component: string;
  task: number;
  stream: string;
  worker: string;
  values: Record<string, unknown>;
  messageId?: unknown;
}> {
  return text
    .split('\n')
    .filter(Boolean)
    .map(
      (l) =>
        JSON.parse(l) as {
          component: string;
          task: number;
          stream: string;
          worker: string;
          values: Record<string, unknown>;
          messageId?: unknown;
        },
    );
}

let finiteWorkers: string[] = [];

before(async () => {
  cluster = await TestCluster.start({ supervisors: 2, slotsPerSupervisor: 3, conf: { 'nimbus.auth.token': TOKEN } });
  mkdirSync(cluster.outputDir(FINITE), { recursive: true });
  const r = cli(
    'submit',
    'test/fixtures/tap-numbers.ts',
    '--name',
    FINITE,
    '-c',
    'topology.workers=2',
    '-c',
    'topology.tap.max.tuples.per.sec=0',
    '-c',
    `squall.test.dir=${cluster.outputDir(FINITE)}`,
    '-c',
    `squall.test.numbers=${NUMBERS}`,
  );
  assert.equal(r.code, 0, r.stderr);
  finiteWorkers = await workersOf(FINITE, 2);
});
after(async () => {
  if (cluster) for (const name of [FINITE, ENDLESS, PYTHON, CAPPED]) cli('kill', name, '-w', '0');
  await cluster?.shutdown();
});

test('several taps at once: 100% shows exactly the emitted values, 10% about a tenth, a filter only what it names', async () => {
  const all = startTap([FINITE, 'numbers', '--json']);
  const tenth = startTap([FINITE, 'numbers:default', '--sample', '10', '--json']);
  const even = startTap([FINITE, 'double', '--filter', 'n=42', '--json']);
  try {
    // Each worker running `numbers` or `double` serves its taps before the spout is let go.
    const placed = cluster.stats(FINITE).workers;
    const expected = placed.map(
      (w) => (w.components.includes('numbers') ? 2 : 0) + (w.components.includes('double') ? 1 : 0),
    );
    await eventually('taps in place on the workers', async () => {
      const counts = await Promise.all(placed.map((w) => activeTaps(`${w.host}:${w.port}`)));
      return counts.every((c, i) => c === expected[i]) || undefined;
    });
    writeFileSync(path.join(cluster.outputDir(FINITE), 'start'), '');
    await eventually(
      `${NUMBERS} tapped numbers`,
      () => lines(all.stdout()).length >= NUMBERS || undefined,
      90000,
    ).catch((err: Error) => {
      // Say why: the tap's own account (drops, rate cap, workers) and how far it got.
      throw new Error(
        `${err.message}; the tap showed ${lines(all.stdout()).length}; its stderr: ${all.stderr().slice(-2000)}`,
      );
    });
    // Wait for the slower taps' last batches.
    await eventually('the filtered tap to see 42', () => lines(even.stdout()).length >= 1 || undefined, 30000);
    await new Promise((r) => setTimeout(r, 1500));
  } finally {
    for (const t of [all, tenth, even]) t.child.kill('SIGINT');
  }
  for (const t of [all, tenth, even]) assert.equal(await t.exited, 0, t.stderr());
  const seen = lines(all.stdout());
  assert.equal(seen.length, NUMBERS, 'no tuple twice (nothing failed, so nothing replayed)');
  assert.deepEqual(
    seen.map((l) => l.values.n as number).sort((a, b) => a - b),
    Array.from({ length: NUMBERS }, (_, i) => i),
  );
  for (const l of seen) {
    assert.equal(l.component, 'numbers');
    assert.equal(l.stream, 'default');
    assert.equal(l.values.parity, (l.values.n as number) % 2 === 0 ? 'even' : 'odd');
    assert.equal(l.messageId, l.values.n, 'the spout message id of the tracked emit');
    assert.match(l.worker, /^127\.0\.0\.1:\d+$/);
  }
  assert.match(all.stderr(), / 0 dropped, 0 rate-capped/);
  assert.match(all.stderr(), /no rate cap/);
  // 10%: binomial(4000, 0.1) has mean 400 and sd 19; 6 sd either side cannot fail by chance (p < 1e-8).
  const sampled = lines(tenth.stdout());
  assert.ok(sampled.length >= 400 - 114 && sampled.length <= 400 + 114, `10% of ${NUMBERS} sampled ${sampled.length}`);
  assert.ok(sampled.every((l) => l.component === 'numbers'));
  const filtered = lines(even.stdout());
  assert.deepEqual(
    filtered.map((l) => [l.component, l.values.n, l.values.doubled]),
    [['double', 42, 84]],
  );
  // Every tap ended: the workers forgot them.
  await tapsEverywhere(finiteWorkers, 0, 'no taps left after Ctrl-C');
});

test("a tap client killed with SIGKILL is cleaned up: the workers' tap count returns to 0", async () => {
  const tap = startTap([FINITE, '--json']);
  try {
    await tapsEverywhere(finiteWorkers, 1, 'the tap in place on every worker');
  } finally {
    tap.child.kill('SIGKILL');
  }
  await tap.exited;
  const killedAt = Date.now();
  await tapsEverywhere(finiteWorkers, 0, "the killed client's tap dropped");
  assert.ok(Date.now() - killedAt < 15000, `dropped within seconds (took ${Date.now() - killedAt} ms)`);
});

test("a tap client that stops answering without closing its connection is dropped by nimbus's keepalive within seconds", async (t) => {
  // A stopped process keeps its TCP connection open (the kernel still acks), as a half-open peer does, but answers no
  // HTTP/2 PING, as a host gone from the network does not: only keepalive can tell. The topology is idle (the finite
  // one is done), so nimbus writes nothing that could fail either.
  const tap = startTap([FINITE, '--json']);
  try {
    await tapsEverywhere(finiteWorkers, 1, 'the tap in place on every worker');
    tap.child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    await eventually(
      "the stopped client's tap dropped",
      async () => {
        for (const w of finiteWorkers) if ((await activeTaps(w)) !== 0) return undefined;
        return true;
      },
      60000,
    );
    const secs = (Date.now() - stoppedAt) / 1000;
    t.diagnostic(`a stopped tap client was dropped after ${secs} s`);
    // KEEPALIVE_OPTIONS: a PING every 5 s, 20 s to answer it, so at most 25 s, and the workers' taps end as soon as
    // nimbus cancels its calls; the rest is slack for a loaded machine. Without keepalive it is never dropped.
    assert.ok(secs <= 40, `dropped after ${secs} s`);
    assert.equal(tap.child.exitCode, null, 'the client was still there, stopped, when its tap was dropped');
  } finally {
    tap.child.kill('SIGCONT');
    tap.child.kill('SIGINT');
  }
  await tap.exited;
});

test('a slow tap client never blocks the topology: acks continue and drops are counted', async () => {
  mkdirSync(cluster.outputDir(ENDLESS), { recursive: true });
  writeFileSync(path.join(cluster.outputDir(ENDLESS), 'start'), '');
  const r = cli(
    'submit',
    'test/fixtures/tap-numbers.ts',
    '--name',
    ENDLESS,
    '-c',
    'topology.workers=1',
    '-c',
    'topology.tap.max.tuples.per.sec=0',
    '-c',
    `squall.test.dir=${cluster.outputDir(ENDLESS)}`,
    '-c',
    'squall.test.numbers=0',
    '-c',
    'squall.test.pause.every=200',
    '-c',
    'squall.test.pause.ms=10',
  );
  assert.equal(r.code, 0, r.stderr);
  const [worker] = await workersOf(ENDLESS, 1);
  const tap = startTap([ENDLESS, '--json']);
  try {
    await tapsEverywhere([worker!], 1, 'the tap in place');
    await eventually('tuples through the tap', () => tap.stdout().length > 0 || undefined);
    // The client stops reading (as a stuck terminal would): its socket fills, then nimbus's and the worker's buffers.
    tap.child.kill('SIGSTOP');
    const acked = () => cluster.stats(ENDLESS).components.numbers?.acked ?? 0;
    await new Promise((r) => setTimeout(r, 3000));
    const before = acked();
    await new Promise((r) => setTimeout(r, 5000));
    const afterStop = acked();
    assert.ok(afterStop > before + 1000, `acks continue while the tap client is stopped: ${before} then ${afterStop}`);
    tap.child.kill('SIGCONT');
    await eventually(
      'drops reported',
      () => /[1-9]\d* tuple\(s\) dropped so far/.test(tap.stderr()) || undefined,
      20000,
    );
  } finally {
    tap.child.kill('SIGCONT');
    tap.child.kill('SIGINT');
  }
  assert.equal(await tap.exited, 0, tap.stderr());
  assert.match(tap.stderr(), /tap ended: \d+ tuple\(s\) shown, [1-9]\d* dropped, 0 rate-capped/);
  cli('kill', ENDLESS, '-w', '0');
});

test("a rate cap limits what a tap shows (--max-rate, else the topology's topology.tap.max.tuples.per.sec) and counts the rest as rate-capped", async (t) => {
  mkdirSync(cluster.outputDir(CAPPED), { recursive: true });
  writeFileSync(path.join(cluster.outputDir(CAPPED), 'start'), '');
  // Up to 100 numbers per 5 ms: far more than either cap below. The topology keeps the default cap (100/s).
  const r = cli(
    'submit',
    'test/fixtures/tap-numbers.ts',
    '--name',
    CAPPED,
    '-c',
    'topology.workers=1',
    '-c',
    `squall.test.dir=${cluster.outputDir(CAPPED)}`,
    '-c',
    'squall.test.numbers=0',
    '-c',
    'squall.test.pause.every=100',
    '-c',
    'squall.test.pause.ms=5',
  );
  assert.equal(r.code, 0, r.stderr);
  await workersOf(CAPPED, 1);
  await eventually(
    'the capped topology emitting',
    () => (cluster.stats(CAPPED).components.numbers?.emitted ?? 0) > 5000 || undefined,
    60000,
  );

  /** Runs a tap until it reported rate-capped tuples and a second more; its shown and rate-capped counts, and how long it ran (an upper bound of the worker's tap's life). */
  const capped = async (
    args: string[],
  ): Promise<{ shown: number; rateCapped: number; dropped: number; secs: number; stderr: string }> => {
    const t0 = Date.now();
    const tap = startTap([CAPPED, 'numbers', '--json', ...args]);
    try {
      await eventually(
        'rate-capped tuples reported',
        () => /[1-9]\d* tuple\(s\) rate-capped so far/.test(tap.stderr()) || undefined,
        30000,
      );
      await new Promise((res) => setTimeout(res, 1000));
    } finally {
      tap.child.kill('SIGINT');
    }
    assert.equal(await tap.exited, 0, tap.stderr());
    const secs = (Date.now() - t0) / 1000;
    const m = /tap ended: (\d+) tuple\(s\) shown, (\d+) dropped, (\d+) rate-capped/.exec(tap.stderr());
    assert.ok(m, tap.stderr());
    assert.equal(lines(tap.stdout()).length, Number(m[1]));
    return { shown: Number(m[1]), dropped: Number(m[2]), rateCapped: Number(m[3]), secs, stderr: tap.stderr() };
  };

  // A token bucket of one second's worth: in t seconds at most rate * (1 + t) tuples, whatever the emit rate.
  const fifty = await capped(['--max-rate', '50']);
  assert.match(fifty.stderr, /at most 50 tuples\/s per worker/);
  assert.ok(
    fifty.shown > 0 && fifty.shown <= 50 * (1 + fifty.secs),
    `--max-rate 50 for ${fifty.secs} s showed ${fifty.shown}`,
  );
  assert.ok(fifty.rateCapped > fifty.shown, `rate-capped ${fifty.rateCapped}, shown ${fifty.shown}`);
  assert.equal(fifty.dropped, 0, 'nothing dropped for a full buffer at 50/s');

  const byDefault = await capped([]);
  assert.match(byDefault.stderr, /at most 100 tuples\/s per worker/);
  assert.ok(
    byDefault.shown > 0 && byDefault.shown <= 100 * (1 + byDefault.secs),
    `the default cap for ${byDefault.secs} s showed ${byDefault.shown}`,
  );
  assert.ok(byDefault.rateCapped > 0);
  t.diagnostic(
    `--max-rate 50: ${fifty.shown} shown, ${fifty.rateCapped} rate-capped in ${fifty.secs} s; default cap: ${byDefault.shown} shown, ${byDefault.rateCapped} rate-capped in ${byDefault.secs} s`,
  );

  // Above the topology's cap: refused, saying which key allows more.
  const over = cli('tap', CAPPED, 'numbers', '--max-rate', '5000');
  assert.equal(over.code, 1);
  assert.match(
    over.stderr,
    /at most 100 tuples\/s per worker on topology 'tap-capped' \(its topology\.tap\.max\.tuples\.per\.sec\), asked for 5000/,
  );
  const bad = cli('tap', CAPPED, '--max-rate', 'lots');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--max-rate must be a whole number of tuples per second > 0, got 'lots'/);
  cli('kill', CAPPED, '-w', '0');
});

test('a tap on multi-lang (Python) components shows their emits with field names', async () => {
  const r = cli('submit', 'examples/wordcount-python', '--name', PYTHON);
  assert.equal(r.code, 0, r.stderr);
  await workersOf(PYTHON, 1);
  const tap = startTap([PYTHON, 'count', '--json', '--limit', '20']);
  assert.equal(await tap.exited, 0, tap.stderr());
  const got = lines(tap.stdout());
  assert.equal(got.length, 20);
  for (const l of got) {
    assert.equal(l.component, 'count');
    assert.deepEqual(Object.keys(l.values), ['word', 'count']);
    assert.equal(typeof l.values.word, 'string');
    assert.equal(typeof l.values.count, 'number');
  }
  const words = startTap([PYTHON, 'word', '--limit', '5']);
  assert.equal(await words.exited, 0, words.stderr());
  // Human format: "<ISO time> word[<task>] default  word=\"...\"".
  assert.match(words.stdout(), /^\d{4}-\d\d-\d\dT[\d:.]+Z word\[\d+\] default {2}word="[^"]+"/m);
  cli('kill', PYTHON, '-w', '0');
});

test('an unauthenticated tap is refused by nimbus, and a worker refuses a tap without the topology credential', async () => {
  const noToken = startTap([FINITE], false);
  assert.equal(await noToken.exited, 1);
  assert.match(noToken.stderr(), /unauthenticated/);
  const client = createWorkerClient(finiteWorkers[0]!);
  try {
    const code = await new Promise<number>((resolve) => {
      const call = client.tap({ topologyId: 'x', spec: {} });
      call.on('data', () => resolve(-1));
      call.on('error', (err: grpc.ServiceError) => resolve(err.code));
    });
    assert.equal(code, grpc.status.UNAUTHENTICATED);
  } finally {
    client.close();
  }
  const unknown = cli('tap', FINITE, 'nope');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /has no component 'nope' \(it has numbers, double\)/);
  const field = cli('tap', FINITE, 'numbers', '--filter', 'colour=red');
  assert.equal(field.code, 1);
  assert.match(field.stderr, /no tapped stream has a field 'colour' \(fields: n, parity\)/);
});

test('nimbus stops promptly with a tap open (the tap is ended, not waited for), and the client ends cleanly', async () => {
  const tap = startTap([FINITE, '--json']);
  await tapsEverywhere(finiteWorkers, 1, 'the tap in place on every worker');
  const nimbus = cluster.daemons.find((d) => d.name === 'nimbus')!.child;
  const exited = new Promise<number | null>((resolve) => nimbus.once('exit', (code) => resolve(code)));
  const t0 = Date.now();
  nimbus.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.ok(Date.now() - t0 < 8000, `nimbus took ${Date.now() - t0} ms to stop`);
  assert.equal(await tap.exited, 0, tap.stderr());
  assert.match(tap.stderr(), /tap ended: \d+ tuple\(s\) shown, \d+ dropped/);
  await tapsEverywhere(finiteWorkers, 0, 'the workers forgot the tap');
});
