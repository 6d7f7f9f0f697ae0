import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TestCluster, eventually } from '../harness/test-cluster';

// Storm's debug switch (REST routes, persisted in ZooKeeper, pushed to workers) and `squall set-log-level`, on a real
// cluster with a token and the UI daemon. The fixture's `double` bolt logs "doubling n" at debug level.
const TOKEN = 'debug-test-token';
const NAME = 'debug-numbers';
let cluster: TestCluster;
let topologyId = '';

const cli = (...args: string[]) => cluster.cli([...args, '-c', `nimbus.auth.token=${TOKEN}`]);

async function post(
  pathname: string,
  token: string | null = TOKEN,
  body = '',
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(new URL(pathname, cluster.uiUrl), {
    method: 'POST',
    headers: token !== null ? { authorization: `Bearer ${token}` } : {},
    body,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function get(pathname: string): Promise<Record<string, unknown>> {
  const res = await fetch(new URL(pathname, cluster.uiUrl), { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.status, 200);
  return (await res.json()) as Record<string, unknown>;
}

/** Parsed JSON lines of every worker log of the topology that satisfy `pick`. */
function logRecords(pick: (r: Record<string, unknown>) => boolean): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const text of cluster.workerLogs(topologyId))
    for (const line of text.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const r = JSON.parse(line) as Record<string, unknown>;
        if (pick(r)) out.push(r);
      } catch {
        /* a line being written */
      }
    }
  return out;
}

const eventLines = () => logRecords((r) => r.eventLog === true);
const doublingLines = () => logRecords((r) => typeof r.msg === 'string' && r.msg.startsWith('doubling '));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  cluster = await TestCluster.start({ supervisors: 1, slotsPerSupervisor: 2, conf: { 'nimbus.auth.token': TOKEN } });
  await cluster.startUi();
  mkdirSync(cluster.outputDir(NAME), { recursive: true });
  writeFileSync(path.join(cluster.outputDir(NAME), 'start'), '');
  // About 200 numbers a second, without end.
  const r = cli(
    'submit',
    'test/fixtures/tap-numbers.ts',
    '--name',
    NAME,
    '-c',
    `squall.test.dir=${cluster.outputDir(NAME)}`,
    '-c',
    'squall.test.numbers=0',
    '-c',
    'squall.test.pause.every=10',
    '-c',
    'squall.test.pause.ms=50',
  );
  assert.equal(r.code, 0, r.stderr);
  topologyId = await eventually(
    'the topology running with acks',
    () => {
      const s = cluster.stats(NAME);
      return (s.components.numbers?.acked ?? 0) > 0 ? s.id : undefined;
    },
    90000,
  );
});
after(async () => {
  if (cluster) cli('kill', NAME, '-w', '0');
  await cluster?.shutdown();
});

test("Storm's debug routes: sampled emits become event-log lines, the JSON reports debug and samplingPct, restarted workers keep it", async () => {
  assert.equal(eventLines().length, 0, 'no event log before debug is on');
  const refused = await post(`/api/v1/topology/${NAME}/component/numbers/debug/enable/50`, null);
  assert.equal(refused.status, 401);
  const bad = await post(`/api/v1/topology/${NAME}/debug/enable/150`);
  assert.equal(bad.status, 400);
  assert.match(String(bad.json.errorMessage), /sampling percentage must be a number in \(0, 100\]/);
  const on = await post(`/api/v1/topology/${NAME}/component/numbers/debug/enable/50`);
  assert.equal(on.status, 200, JSON.stringify(on.json));
  assert.deepEqual(on.json, {
    topologyOperation: 'debug',
    topologyId,
    component: 'numbers',
    debug: true,
    samplingPct: 50,
    status: 'success',
  });
  const component = await get(`/api/v1/topology/${topologyId}/component/numbers`);
  assert.equal(component.debug, true);
  assert.equal(component.samplingPct, 50);
  const topology = await get(`/api/v1/topology/${topologyId}`);
  assert.equal(topology.debug, false, 'only the component is debugged');
  const lines = await eventually(
    'event-log lines of numbers',
    () => (eventLines().length >= 20 ? eventLines() : undefined),
    30000,
  );
  for (const l of lines) {
    assert.equal(l.component, 'numbers');
    assert.equal(l.topology, topologyId);
    assert.equal(typeof l.task, 'number');
    assert.deepEqual(l.fields, ['n', 'parity']);
    assert.equal((l.values as unknown[]).length, 2);
    assert.equal(l.messageId, (l.values as unknown[])[0]);
  }
  // The worker restarts (killed): the setting lives in ZooKeeper, and nimbus gives it to the new worker.
  const [pid] = cluster.workerPids(topologyId);
  assert.ok(pid);
  process.kill(pid, 'SIGKILL');
  await eventually(
    'event-log lines from the restarted worker',
    () => eventLines().some((l) => l.pid !== pid) || undefined,
    90000,
  );
  const off = await post(`/api/v1/topology/${topologyId}/debug/disable/0`);
  assert.equal(off.status, 200, JSON.stringify(off.json));
  assert.equal((await get(`/api/v1/topology/${topologyId}/component/numbers`)).debug, false);
  // Off is pushed at once: after a short settling time the count stops growing.
  await sleep(2000);
  const settled = eventLines().length;
  await sleep(4000);
  assert.equal(eventLines().length, settled, 'no event-log lines once debug is off');
});

test("squall debug switches Storm's debug sampling of a component or the whole topology on and off, like the REST routes", async () => {
  const componentJson = () => get(`/api/v1/topology/${topologyId}/component/double`);
  const doubleEvents = () => eventLines().filter((l) => l.component === 'double');
  // Bad options and unknown names are told plainly.
  const neither = cli('debug', NAME);
  assert.equal(neither.code, 1);
  assert.match(neither.stderr, /give exactly one of --enable and --disable/);
  const pct = cli('debug', NAME, 'double', '--enable', '--sample', '150');
  assert.equal(pct.code, 1);
  assert.match(pct.stderr, /--sample must be a percentage in \(0, 100\], got '150'/);
  const unknown = cli('debug', NAME, 'nope', '--enable');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /topology 'debug-numbers' has no component 'nope' \(it has numbers, double\)/);
  const noTopology = cli('debug', 'no-such-topology', '--enable');
  assert.equal(noTopology.code, 1);
  assert.match(noTopology.stderr, /no running topology named 'no-such-topology'/);
  const noToken = cluster.cli(['debug', NAME, 'double', '--enable']);
  assert.equal(noToken.code, 1);
  assert.match(noToken.stderr, /unauthenticated/);
  assert.equal((await componentJson()).debug, false, 'refused calls changed nothing');

  // One component, --json.
  const on = cli('debug', NAME, 'double', '--enable', '--sample', '25', '--json');
  assert.equal(on.code, 0, on.stderr);
  assert.deepEqual(JSON.parse(on.stdout), { topologyId, component: 'double', debug: true, samplingPct: 25 });
  const c = await componentJson();
  assert.deepEqual([c.debug, c.samplingPct], [true, 25]);
  assert.equal((await get(`/api/v1/topology/${topologyId}`)).debug, false, 'only the component is debugged');
  await eventually('event-log lines of double', () => doubleEvents().length >= 5 || undefined, 30000);

  // The whole topology, human text, the default percentage.
  const all = cli('debug', NAME, '--enable');
  assert.equal(all.code, 0, all.stderr);
  assert.equal(
    all.stdout,
    `${topologyId}: debug on for the whole topology: 10% of its emits go to the workers' logs as event-log lines\n`,
  );
  const t = await get(`/api/v1/topology/${topologyId}`);
  assert.deepEqual([t.debug, t.samplingPct], [true, 10]);

  // Off for the topology turns every component's off too (Storm's rule).
  const off = cli('debug', NAME, '--disable');
  assert.equal(off.code, 0, off.stderr);
  assert.match(off.stdout, /debug off for the whole topology/);
  assert.equal((await get(`/api/v1/topology/${topologyId}`)).debug, false);
  assert.equal((await componentJson()).debug, false);
  await sleep(2000);
  const settled = eventLines().length;
  await sleep(4000);
  assert.equal(eventLines().length, settled, 'no event-log lines once debug is off');
});

test("squall set-log-level lowers a component's level in its workers and reverts after the timeout", async () => {
  assert.equal(doublingLines().length, 0, 'debug lines are not written at the configured level');
  const bad = cli('set-log-level', NAME, '-l', 'double=loud');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /'loud' is not a log level/);
  const unknown = cli('set-log-level', NAME, '-l', 'nope=debug');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /has no logger 'nope': name a component \(numbers, double\) or ROOT/);
  const noToken = cluster.cli(['set-log-level', NAME, '-l', 'double=debug']);
  assert.equal(noToken.code, 1);
  assert.match(noToken.stderr, /unauthenticated/);
  const r = cli('set-log-level', NAME, '-l', 'double=debug:6');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /double set to debug for 6s/);
  const lines = await eventually(
    'debug lines of double',
    () => (doublingLines().length >= 3 ? doublingLines() : undefined),
    20000,
  );
  for (const l of lines) {
    assert.equal(l.component, 'double');
    assert.equal(l.topology, topologyId);
    assert.equal(typeof l.task, 'number');
  }
  // Reverts by itself: 6 s after the call, plus settling.
  await sleep(8000);
  const settled = doublingLines().length;
  await sleep(3000);
  assert.equal(doublingLines().length, settled, 'no debug lines after the timeout');
  // ROOT covers every component; -r resets at once.
  assert.equal(cli('set-log-level', NAME, '-l', 'ROOT=debug').code, 0);
  await eventually('debug lines again under ROOT=debug', () => doublingLines().length > settled || undefined, 20000);
  assert.equal(cli('set-log-level', NAME, '-r', 'ROOT').code, 0);
  await sleep(2000);
  const reset = doublingLines().length;
  await sleep(3000);
  assert.equal(doublingLines().length, reset, 'no debug lines after the reset');
});
