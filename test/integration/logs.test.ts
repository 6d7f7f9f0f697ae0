import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { ROOT, SQUALL, TestCluster, eventually } from '../harness/test-cluster';

// `squall logs` against a real cluster whose nimbus requires a token: the seed's Python word count logs
// "counted [N] words [pid=P]" from its count bolt, and those lines must come back through nimbus from the supervisors.
const TOKEN = 'logs-test-token';
const NAME = 'wc-logs';
const COUNTED = /counted \[[\d,]+\] words \[pid=\d+\]/;
let cluster: TestCluster;

/** `squall <args>` with the cluster's token. */
const cli = (...args: string[]) => cluster.cli([...args, '-c', `nimbus.auth.token=${TOKEN}`]);

before(async () => {
  cluster = await TestCluster.start({ supervisors: 2, slotsPerSupervisor: 2, conf: { 'nimbus.auth.token': TOKEN } });
  const r = cli('submit', 'examples/wordcount-python', '--name', NAME, '-c', 'topology.workers=2');
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  if (cluster) cli('kill', NAME, '-w', '0');
  await cluster?.shutdown();
});

test('squall logs prints the workers\' lines, the count bolt\'s "counted [N] words" among them', async () => {
  const out = await eventually(
    'counted lines in squall logs',
    () => {
      const r = cli('logs', NAME, '-n', '200');
      assert.equal(r.code, 0, r.stderr);
      return COUNTED.test(r.stdout) ? r.stdout : undefined;
    },
    60000,
  );
  const counted = out.split('\n').find((l) => COUNTED.test(l))!;
  // Human format: "<host>:<port> <ISO time> INFO  count[<task>] counted [N] words [pid=P]".
  assert.match(counted, /^127\.0\.0\.1:\d+ \d{4}-\d\d-\d\dT[\d:.]+Z INFO +count\[\d+\] counted \[/);
});

test('a component filter keeps only its workers and its JSON lines; --json gives one object per line', async () => {
  const count = await eventually(
    'counted lines for the count component',
    () => {
      const r = cli('logs', NAME, 'count', '--json', '-n', '500');
      assert.equal(r.code, 0, r.stderr);
      const rows = r.stdout
        .split('\n')
        .filter(Boolean)
        .map(
          (l) =>
            JSON.parse(l) as {
              worker: string;
              port: number;
              line: string;
              record?: { component?: string; msg?: string };
            },
        );
      return rows.some((row) => COUNTED.test(row.record?.msg ?? '')) ? rows : undefined;
    },
    60000,
  );
  for (const row of count) {
    assert.match(row.worker, /^127\.0\.0\.1:\d+$/);
    if (typeof row.record?.component === 'string') assert.equal(row.record.component, 'count', row.line);
  }
  const word = cli('logs', NAME, 'word', '--json', '-n', '500');
  assert.equal(word.code, 0, word.stderr);
  for (const l of word.stdout.split('\n').filter(Boolean)) {
    const row = JSON.parse(l) as { line: string; record?: { component?: string } };
    if (typeof row.record?.component === 'string') assert.equal(row.record.component, 'word', row.line);
    assert.doesNotMatch(row.line, COUNTED);
  }
});

test('squall logs -f keeps printing new lines until Ctrl-C', async () => {
  const child = spawn(
    process.execPath,
    [
      SQUALL,
      'logs',
      NAME,
      'count',
      '-f',
      '-n',
      '0',
      '-i',
      '0.5',
      '--nimbus',
      cluster.nimbusAddress,
      '-c',
      `nimbus.auth.token=${TOKEN}`,
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    // -n 0 shows nothing of the past: every counted line seen was written after the follower started.
    await eventually(
      '3 new counted lines from the follower',
      () => stdout.split('\n').filter((l) => COUNTED.test(l)).length >= 3 || undefined,
      60000,
    );
  } finally {
    child.kill('SIGINT');
  }
  assert.equal(await exited, 0, stderr);
  const totals = stdout
    .split('\n')
    .filter((l) => COUNTED.test(l))
    .map((l) => l.match(/counted \[([\d,]+)\] words \[pid=(\d+)\]/)!)
    .map((m) => ({ total: Number(m[1]!.replace(/,/g, '')), pid: m[2]! }));
  // Each Python bolt's total only grows: no line was printed twice or out of order.
  for (const pid of new Set(totals.map((t) => t.pid))) {
    const mine = totals.filter((t) => t.pid === pid).map((t) => t.total);
    assert.deepEqual(
      mine,
      [...mine].sort((a, b) => a - b),
    );
    assert.equal(new Set(mine).size, mine.length);
  }
});

test('an unknown topology or component is a clear error; without the token nimbus refuses', () => {
  const missing = cli('logs', 'no-such-topology');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^squall: no running topology named 'no-such-topology'$/m);
  const component = cli('logs', NAME, 'nope');
  assert.equal(component.code, 1);
  assert.match(component.stderr, /has no component 'nope' \(it has word, count\)/);
  const noToken = cluster.cli(['logs', NAME]);
  assert.equal(noToken.code, 1);
  assert.match(noToken.stderr, /unauthenticated/);
});
