// The README's own commands, run literally through bash in the repository root: the code block after each
// `<!-- readme-test: NAME -->` marker, so the README cannot drift from what works. The dev cluster is a real
// `npx squall dev-cluster` (free loopback ports, its own temp dir), stopped with Ctrl-C's SIGINT to its process group
// and checked gone, also when a test fails.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { ROOT, eventually } from '../harness/test-cluster';

const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The command lines of the sh block right after the marker `<!-- readme-test: name ... -->`. */
function readmeBlock(name: string): string[] {
  const at = README.indexOf(`<!-- readme-test: ${name}`);
  assert.ok(at >= 0, `README.md has no '<!-- readme-test: ${name}' marker`);
  const m = /^-->\n```sh\n([\s\S]*?)\n```/m.exec(README.slice(README.indexOf('-->', at)));
  assert.ok(m, `the marker '${name}' in README.md is not right before a \`\`\`sh block`);
  return m[1]!.split('\n').filter((l) => l.trim() !== '');
}

/** The command of a README line without its trailing `# comment`. */
const command = (line: string) => line.replace(/\s+#.*$/, '');

interface Result {
  code: number | null;
  /** The signal that ended bash, if one did (Ctrl-C ends npm, and so bash, with SIGINT after squall has stopped). */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs one line with bash in the repository root (its own process group, killed at the deadline). With `interruptWhen`,
 * the group gets Ctrl-C's SIGINT once the output so far satisfies it.
 */
function sh(line: string, timeoutMs = 120_000, interruptWhen?: (stdout: string) => boolean): Promise<Result> {
  // Without NODE_TEST_CONTEXT (set by the runner running this file), a `node --test` in the line reports as a user's would.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const child = spawn('bash', ['-o', 'pipefail', '-c', line], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let interrupted = false;
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (interruptWhen && !interrupted && interruptWhen(stdout)) {
      interrupted = true;
      killGroup(child, 'SIGINT');
    }
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child, 'SIGKILL');
  }, timeoutMs);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr: stderr + (timedOut ? `\n(killed after ${timeoutMs} ms)` : '') });
    });
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

/** The live count lines `squall local` prints every 2 s, as the spout's emitted totals. */
const liveCounts = (stdout: string) =>
  [...stdout.matchAll(/^\[\s*\d+s\] .*\bword: ([\d,]+) emitted \([\d,]+\/s\)/gm)].map((m) =>
    Number(m[1]!.replace(/,/g, '')),
  );

/** What a stopped `npm start` must have printed: growing live counts, the stop line and the counters table. */
function assertStoppedRun(line: string, r: Result): void {
  const live = liveCounts(r.stdout);
  assert.ok(live.length >= 2, `${line}: live lines every 2 s:\n${r.stdout}`);
  assert.ok(live.at(-1)! > live[0]!, `the counts grow: ${live.join(', ')}`);
  assert.match(r.stdout, /^squall: stopped 'wordcount' after \d+\.\ds$/m);
  assert.match(r.stdout, /^component\s+kind\s+executors\s+tasks\s+emitted/m);
}

test('quick start: npm ci linked the squall command, and npm start prints live counts and stops on Ctrl-C', async () => {
  const [block, ...rest] = readmeBlock('quick-start');
  assert.deepEqual(rest, [], 'the quick start is one line');
  const [install, run] = block!.split(' && ');
  // `npm ci` is what set up the checkout this test runs in (running it here would pull node_modules from under the
  // other tests); what it must have done for the README's `npx squall` is link the committed bin shim.
  assert.equal(install, 'npm ci');
  assert.equal(
    realpathSync(path.join(ROOT, 'node_modules/.bin/squall')),
    path.join(ROOT, 'packages/cli/bin/squall.js'),
  );
  // Ctrl-C once two live lines are out: SIGINT to the whole foreground process group, as a terminal sends it.
  // npm answers Ctrl-C by ending with SIGINT once its child has stopped, as in a terminal; squall itself must have
  // stopped the topology cleanly and printed its counters.
  const r = await sh(run!, 300_000, (stdout) => liveCounts(stdout).length >= 2);
  assert.ok(r.code === 0 || r.signal === 'SIGINT', `${run}: ended with ${r.code ?? r.signal}\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /killed after|Error|at .*\.js:\d+/, r.stderr);
  assertStoppedRun(run!, r);
});

test('quick start with --duration stops by itself', async () => {
  for (const line of readmeBlock('quick-start-duration')) {
    const r = await sh(line, 300_000);
    assert.equal(r.code, 0, `${line}\n${r.stderr}`);
    assertStoppedRun(line, r);
  }
});

test('npx squall --help, and piped into head -1', async () => {
  for (const line of readmeBlock('help')) {
    const r = await sh(line);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: squall \[options\] \[command\]/);
    for (const c of ['local', 'submit', 'list', 'dev-cluster', 'monitor'])
      assert.match(r.stdout, new RegExp(`^  ${c}\\b`, 'm'));
    const head = await sh(`${command(line)} | head -1`);
    assert.deepEqual(head, { code: 0, signal: null, stdout: 'Usage: squall [options] [command]\n', stderr: '' });
  }
});

test('the testing snippet: compiled and run as the README says, its tests pass', async () => {
  const lines = readmeBlock('snippet-test');
  assert.equal(lines.length, 2);
  const compiled = await sh(lines[0]!);
  assert.equal(compiled.code, 0, `${lines[0]}\n${compiled.stderr}`);
  const ran = await sh(lines[1]!);
  assert.equal(ran.code, 0, `${lines[1]}\n${ran.stdout}\n${ran.stderr}`);
  assert.match(ran.stdout, /^# pass 2$/m, ran.stdout);
  assert.match(ran.stdout, /^# fail 0$/m, ran.stdout);
});

/** `npx squall local <module> --duration <secs> --json`: the run's final counters (its type check passed: exit 0). */
async function runLocal(
  line: string,
  secs: number,
): Promise<Record<string, { emitted: number; executed: number; failed: number }>> {
  const r = await sh(`${command(line)} --duration ${secs} --json --log-file -`, 120_000);
  assert.equal(r.code, 0, `${line}\n${r.stderr}`);
  return (JSON.parse(r.stdout) as { components: Record<string, { emitted: number; executed: number; failed: number }> })
    .components;
}

test("the README's builder snippets run with squall local (type-checked on the way)", async () => {
  // The README shows these files verbatim (scripts/readme-blocks.test.mjs checks the text); here they run.
  for (const file of [
    'examples/snippets/wordcount/builder-topology.ts',
    'examples/snippets/wordcount/topology.ts',
    'examples/wordcount-python/builder-topology.ts',
  ]) {
    const c = await runLocal(`npx squall local ${file}`, 3);
    assert.ok(c.word!.emitted > 0, `${file}: the spout emits`);
    assert.ok(c.count!.executed > 0 && c.count!.failed === 0, `${file}: the bolt counts: ${JSON.stringify(c.count)}`);
  }
});

test('the Python word count: npx squall local examples/wordcount-python', async () => {
  const [line, ...rest] = readmeBlock('python-local');
  assert.equal(rest.length, 0);
  const c = await runLocal(line!, 4);
  assert.ok(c.word!.emitted > 0 && c.count!.executed > 0, JSON.stringify(c));
});

let devCluster: ChildProcess | undefined;
let devClosed: Promise<void> = Promise.resolve();

/** Ctrl-C: SIGINT to the dev cluster's process group, then SIGKILL if it is not gone within a minute. */
async function stopDevCluster(): Promise<void> {
  if (!devCluster) return;
  killGroup(devCluster, 'SIGINT');
  const killer = setTimeout(() => killGroup(devCluster!, 'SIGKILL'), 60_000);
  await devClosed;
  clearTimeout(killer);
  devCluster = undefined;
}
after(stopDevCluster);

/** `npx squall list --json` of the dev cluster. */
async function list(
  port: number,
): Promise<Array<{ name: string; status: string; workers: number; executors: number; tasks: number }>> {
  const r = await sh(`npx squall list --json --nimbus 127.0.0.1:${port}`);
  assert.equal(r.code, 0, r.stderr);
  return (
    JSON.parse(r.stdout) as {
      topologies: Array<{ name: string; status: string; workers: number; executors: number; tasks: number }>;
    }
  ).topologies;
}

test('npx squall dev-cluster, then the README cluster commands against it', async () => {
  const [devLine, ...rest] = readmeBlock('dev-cluster');
  assert.equal(rest.length, 0);
  devCluster = spawn('bash', ['-c', devLine!], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  devCluster.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  devCluster.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  let closed = false;
  devClosed = new Promise((resolve) => devCluster!.on('close', () => resolve()));
  void devClosed.then(() => (closed = true));
  await eventually(
    'dev-cluster to print its addresses',
    () => {
      if (closed) throw new Error(`dev-cluster exited early:\n${out}\n${err}`);
      return out.includes('Ctrl-C stops everything.');
    },
    120_000,
  ).catch((e: Error) => assert.fail(closed ? `dev-cluster exited early:\n${out}\n${err}` : e.message));
  const port = Number(/^nimbus: 127\.0\.0\.1:(\d+)/m.exec(out)?.[1]);
  assert.ok(port > 0, out);
  const state = /^state: (.+)$/m.exec(out)?.[1];
  assert.ok(state && existsSync(state), out);
  // The hint is a command that works in the user's shell: squall is not on PATH here, so npx squall.
  assert.match(
    out,
    new RegExp(`^submit with: npx squall submit examples/wordcount --nimbus 127\\.0\\.0\\.1:${port}$`, 'm'),
  );

  const redisPort = Number(/^redis: 127\.0\.0\.1:(\d+) /m.exec(out)?.[1]);
  assert.ok(redisPort > 0, out);
  const lines = readmeBlock('cluster-commands').map((l) =>
    l.replaceAll('<port>', String(port)).replaceAll('<redis-port>', String(redisPort)),
  );
  const step = async (prefix: string): Promise<Result> => {
    const line = lines.find((l) => l.startsWith(prefix));
    assert.ok(line, `the README shows '${prefix} ...'`);
    const r = await sh(line);
    assert.equal(r.code, 0, `${line}\n${r.stderr}`);
    return r;
  };

  const submitted = await step('npx squall submit examples/wordcount');
  assert.match(submitted.stdout, /^submitted topology 'wordcount' as wordcount-\d+-\d+ /m);
  await eventually(
    'wordcount on 3 workers',
    async () => (await list(port)).find((t) => t.name === 'wordcount' && t.workers === 3) ?? false,
    120_000,
  );

  const listed = await step('npx squall list');
  assert.match(listed.stdout, /^wordcount\s+wordcount-\d+-\d+\s+ACTIVE\s+\d+s\s+3\s+\d+\s+\d+$/m);
  // Executors and tasks count the same things: every component's, ackers included, as `stats` lists them. `list`
  // counts the assignment at once while `stats` counts what the workers' heartbeats have reported, so wait until every
  // worker has reported once; a mismatch that lasts is a failure.
  const row = (await list(port)).find((t) => t.name === 'wordcount')!;
  let sums = { executors: -1, tasks: -1 };
  const agreed = await eventually(
    'stats to count what list counts',
    async () => {
      const stats = await sh(`npx squall stats wordcount --json --nimbus 127.0.0.1:${port}`);
      assert.equal(stats.code, 0, stats.stderr);
      const components = Object.values(
        (JSON.parse(stats.stdout) as { components: Record<string, { executors: number; tasks: number }> }).components,
      );
      sums = {
        executors: components.reduce((n, c) => n + c.executors, 0),
        tasks: components.reduce((n, c) => n + c.tasks, 0),
      };
      return sums.executors === row.executors && sums.tasks === row.tasks;
    },
    30_000,
  ).then(
    () => true,
    () => false,
  );
  assert.ok(
    agreed,
    `list counts ${row.executors} executors and ${row.tasks} tasks, stats ${sums.executors} and ${sums.tasks}`,
  );

  const piped = await sh(`npx squall list --nimbus 127.0.0.1:${port} | head -1`);
  assert.deepEqual({ code: piped.code, stderr: piped.stderr }, { code: 0, stderr: '' });
  assert.match(piped.stdout, /^name\s+id\s+status/);

  // A second submit of a running name is refused by the CLI before the upload (no progress line; nimbus's own
  // refusal reads differently), and with --name before the build: a module that does not exist is not even looked at.
  const refused =
    /^squall: a topology named 'wordcount' is already running \(wordcount-\d+-\d+\): kill it first \(npx squall kill wordcount\) or submit with --name <another>$/;
  const again = await sh(`npx squall submit examples/wordcount --nimbus 127.0.0.1:${port}`);
  assert.equal(again.code, 1);
  assert.match(again.stderr.trim(), refused);
  const named = await sh(`npx squall submit no/such/module.ts --name wordcount --nimbus 127.0.0.1:${port}`);
  assert.equal(named.code, 1);
  assert.match(named.stderr.trim(), refused);

  const monitored = await sh(`npx squall monitor wordcount --count 1 --interval 2 --nimbus 127.0.0.1:${port}`, 60_000);
  assert.equal(monitored.code, 0, monitored.stderr);
  assert.doesNotMatch(monitored.stdout, /over the last 0\.0s/);
  // Rates, not only totals: the spout's or the bolt's (the spout can sit a whole window paused by backpressure while
  // the bolt drains its queue, on a loaded machine).
  assert.match(
    monitored.stdout,
    /^(word\s+spout\s+1|count\s+bolt\s+\d+\s+[\d,]+)\s+[1-9][\d,]*\s/m,
    `neither the spout's nor the bolt's rate is above 0/s:\n${monitored.stdout}`,
  );

  const stat = await step('npx squall stats wordcount');
  assert.match(stat.stdout, /^wordcount \(wordcount-\d+-\d+\): ACTIVE/);

  await step('npx squall rebalance wordcount');
  await eventually(
    'wordcount rebalanced onto 2 workers',
    async () =>
      (await list(port)).find((t) => t.name === 'wordcount' && t.workers === 2 && t.status === 'ACTIVE') ?? false,
    120_000,
  );
  await step('npx squall deactivate wordcount');
  assert.equal((await list(port)).find((t) => t.name === 'wordcount')?.status, 'INACTIVE');
  await step('npx squall kill wordcount');
  await eventually(
    'wordcount gone',
    async () => !(await list(port)).some((t) => t.name === 'wordcount' && t.status !== 'KILLED'),
    60_000,
  );

  // The stateful word count with its state in the dev cluster's Redis: counts committed there.
  await step('npx squall submit examples/stateful-wordcount');
  const { RedisStateProvider } = await import('@squall/state');
  const provider = new RedisStateProvider({
    host: '127.0.0.1',
    port: redisPort,
    password: undefined,
    database: 0,
    timeoutMs: 5000,
    keyPrefix: '',
  });
  try {
    await eventually(
      'counts committed in Redis',
      async () => {
        let words = 0;
        for (let task = 1; task <= 10; task++)
          words += (await (await provider.open(`stateful-wordcount/count-${task}`)).load()).committed.size;
        return words === 4 || undefined;
      },
      120_000,
    );
  } finally {
    await provider.close();
  }

  await stopDevCluster();
  assert.match(out, /^squall: dev cluster stopped$/m);
  assert.equal(existsSync(state), false, `the dev cluster's state dir ${state} is removed`);
});

test('exactly-once state as the README shows: the replayable spout starts from the beginning, every one of the 2000 words is acked once, nothing fails', async () => {
  const lines = readmeBlock('exactly-once-local');
  assert.equal(lines.length, 1);
  const logFile = path.join(ROOT, 'logs/stateful-wordcount.log');
  const before = existsSync(logFile) ? readFileSync(logFile).length : 0;
  const r = await sh(command(lines[0]!), 120_000);
  assert.equal(r.code, 0, `${lines[0]}\n${r.stdout}\n${r.stderr}`);
  // The spout's row: trees acked = the 2000 words (the checkpoints it forwards are not its own trees), none failed.
  const word = /^word\s+spout\s+1\s+1\s+[\d,]+\s+[\d,]+\s+[\d,]+\s+([\d,]+)\s+([\d,]+)/m.exec(r.stdout);
  assert.ok(word, r.stdout);
  assert.equal(word[1], '2,000', r.stdout);
  assert.equal(word[2], '0');
  assert.match(
    r.stdout,
    /^\$checkpointspout\s+spout\s+1\s+1\s+[\d,]+\s+[\d,]+\s+[\d,]+\s+[\d,]+\s+0\s/m,
    'no checkpoint failed',
  );
  const log = readFileSync(logFile).subarray(before).toString('utf8');
  assert.match(log, /"component":"word".*"msg":"spout restored to the position of checkpoint \(none: the beginning\)"/);
});

test("stateful word count as the README shows: in memory, then twice in Redis, the second Redis run resuming the first one's counts", async () => {
  const { RedisServer } = await import('@squall/state');
  const redis = await RedisServer.start();
  try {
    const lines = readmeBlock('stateful-local');
    assert.equal(lines.length, 3);
    const logFile = path.join(ROOT, 'logs/stateful-wordcount.log');
    /** `state loaded` lines the count tasks logged during one run: how many words each task's state held. */
    const loadedDuring = async (line: string): Promise<number[]> => {
      const before = existsSync(logFile) ? readFileSync(logFile).length : 0;
      // The README's Redis is the usual 127.0.0.1:6379; the test's own server is on a free port.
      const r = await sh(command(line).replace('"port":6379', `"port":${redis.port}`), 120_000);
      assert.equal(r.code, 0, `${line}\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /^\$checkpointspout\s+spout\s+1\s+1\s/m, r.stdout);
      assert.match(r.stdout, /^squall: stopped 'stateful-wordcount' after/m);
      const counts = /^count\s+bolt\s+3\s+3\s+([\d,]+)\s+[\d,]+\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)/m.exec(r.stdout);
      assert.ok(counts, r.stdout);
      assert.ok(
        Number(counts[3]!.replace(/,/g, '')) > 0,
        `the count bolt acked inputs (after their checkpoints): ${counts[0]}`,
      );
      assert.equal(counts[4], '0', 'nothing failed');
      const log = readFileSync(logFile).subarray(before).toString('utf8');
      return [...log.matchAll(/"msg":"state loaded: (\d+) word\(s\)/g)].map((m) => Number(m[1]));
    };
    assert.deepEqual(await loadedDuring(lines[0]!), [0, 0, 0], 'in memory, every task starts empty');
    assert.deepEqual(await loadedDuring(lines[1]!), [0, 0, 0], 'a fresh Redis: empty');
    const resumed = await loadedDuring(lines[2]!);
    assert.equal(resumed.length, 3);
    assert.equal(
      resumed.reduce((a, b) => a + b, 0),
      4,
      `the second Redis run found the 4 words the first committed: ${resumed.join(', ')}`,
    );
  } finally {
    await redis.shutdown();
  }
});
