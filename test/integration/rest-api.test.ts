import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findFreePort } from '@squall/cluster-state';
import { ROOT, TestCluster, eventually, readLines } from '../harness/test-cluster';

// The UI daemon's REST API and /metrics against a real cluster (ZooKeeper, nimbus, 2 supervisors, the `squall ui`
// daemon, all processes) running the finite word count: Storm's field names, and values equal to what the topology
// really did (the words its spout saw acked, the lines its sink wrote).

const FIXTURE = path.join(ROOT, 'test/fixtures/finite-wordcount.ts');
const TOKEN = 'rest-api-test-token';
const M = 2000;
let cluster: TestCluster;
let metricsPort = 0;
let topologyId = '';
let outDir = '';

interface Json {
  [k: string]: unknown;
}

/** GET on the UI; `token` for the routes that need it (worker logs, a topology's configuration). */
async function get(pathAndQuery: string, token?: string): Promise<{ status: number; body: Json; type: string }> {
  const res = await fetch(
    new URL(pathAndQuery, cluster.uiUrl),
    token !== undefined ? { headers: { authorization: `Bearer ${token}` } } : {},
  );
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: text.startsWith('{') || text.startsWith('[') ? (JSON.parse(text) as Json) : { text },
  };
}

async function post(pathAndQuery: string, token?: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const res = await fetch(new URL(pathAndQuery, cluster.uiUrl), {
    method: 'POST',
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

const asArray = (v: unknown) => v as Json[];
const keys = (o: unknown) => Object.keys(o as Json).sort();

before(async () => {
  metricsPort = await findFreePort();
  cluster = await TestCluster.start({
    supervisors: 2,
    slotsPerSupervisor: 2,
    ui: true,
    conf: { 'nimbus.auth.token': TOKEN, 'nimbus.metrics.port': metricsPort },
  });
  outDir = cluster.outputDir('wc-rest');
  const r = cluster.cli([
    'submit',
    FIXTURE,
    '--name',
    'wc-rest',
    '--json',
    '-c',
    `squall.test.dir=${outDir}`,
    '-c',
    `squall.test.words=${M}`,
    '-c',
    'topology.workers=2',
    '-c',
    `nimbus.auth.token=${TOKEN}`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  topologyId = (JSON.parse(r.stdout) as { topologyId: string }).topologyId;
  await eventually('every word acked', () => new Set(readLines(outDir, 'acked-')).size === M || undefined, 60000);
  // Nimbus learns the final counts with the next heartbeat of each worker (they report independently).
  await eventually('the final counts of every executor to reach nimbus', async () => {
    const t = await get(`/api/v1/topology/${topologyId}?window=:all-time&sys=1`);
    const executed = Object.fromEntries(asArray(t.body.bolts).map((b) => [b.boltId as string, b.executed]));
    return (
      (asArray(t.body.spouts)[0]?.acked === M &&
        executed.count === M &&
        executed.sink === M &&
        executed.__acker === 3 * M) ||
      undefined
    );
  });
});
after(async () => {
  await cluster?.shutdown();
});

test('cluster, nimbus, supervisor and topology summaries use Storm field names and real values', async () => {
  const c = await get('/api/v1/cluster/summary');
  assert.equal(c.status, 200);
  assert.match(c.type, /^application\/json/);
  for (const k of [
    'stormVersion',
    'nimbusUptime',
    'supervisors',
    'slotsTotal',
    'slotsUsed',
    'slotsFree',
    'executorsTotal',
    'tasksTotal',
  ])
    assert.ok(k in c.body, `cluster summary has ${k}`);
  assert.equal(c.body.supervisors, 2);
  assert.equal(c.body.slotsTotal, 4);
  assert.equal(c.body.slotsUsed, 2);
  assert.equal(c.body.slotsFree, 2);

  const n = await get('/api/v1/nimbus/summary');
  const nimbuses = asArray(n.body.nimbuses);
  assert.equal(nimbuses.length, 1);
  assert.equal(nimbuses[0]!.status, 'Leader');
  assert.equal(`${String(nimbuses[0]!.host)}:${String(nimbuses[0]!.port)}`, cluster.nimbusAddress);

  const s = await get('/api/v1/supervisor/summary');
  const sups = asArray(s.body.supervisors);
  assert.equal(sups.length, 2);
  for (const sup of sups) {
    for (const k of ['id', 'host', 'uptime', 'uptimeSeconds', 'slotsTotal', 'slotsUsed', 'slotsFree', 'version'])
      assert.ok(k in sup, `supervisor has ${k}`);
    assert.equal(sup.slotsTotal, 2);
  }

  const t = await get('/api/v1/topology/summary');
  const tops = asArray(t.body.topologies);
  assert.equal(tops.length, 1);
  const top = tops[0]!;
  assert.deepEqual(keys(top), [
    'encodedId',
    'executorsTotal',
    'id',
    'name',
    'owner',
    'replicationCount',
    'status',
    'tasksTotal',
    'uptime',
    'uptimeSeconds',
    'workersTotal',
  ]);
  assert.equal(top.id, topologyId);
  assert.equal(top.name, 'wc-rest');
  assert.equal(top.status, 'ACTIVE');
  assert.equal(top.workersTotal, 2);
  assert.equal(c.body.executorsTotal, top.executorsTotal);
  assert.equal(c.body.tasksTotal, top.tasksTotal);
});

test('topology page: every window, spouts and bolts with counts equal to what the topology did', async () => {
  const sinkLines = readLines(outDir, 'sink-').length;
  assert.equal(sinkLines, M, 'the sink wrote one line per word');
  for (const ref of [topologyId, 'wc-rest']) {
    const t = await get(`/api/v1/topology/${encodeURIComponent(ref)}`);
    assert.equal(t.status, 200);
    const b = t.body;
    assert.equal(b.id, topologyId);
    assert.equal(b.window, ':all-time');
    assert.equal(b.windowHint, 'All time');
    assert.equal(b.msgTimeout, 30);
    const stats = asArray(b.topologyStats);
    assert.deepEqual(
      stats.map((w) => [w.window, w.windowPretty]),
      [
        ['600', '10m 0s'],
        ['10800', '3h 0m 0s'],
        ['86400', '1d 0h 0m 0s'],
        [':all-time', 'All time'],
      ],
    );
    for (const w of stats) {
      assert.deepEqual(keys(w), [
        'acked',
        'completeLatency',
        'emitted',
        'failed',
        'transferred',
        'window',
        'windowPretty',
      ]);
      // The topology is younger than every window: each holds everything.
      assert.equal(w.acked, M, `acked in window ${String(w.window)}`);
      assert.equal(w.failed, 0);
      assert.match(String(w.completeLatency), /^\d+\.\d{3}$/);
    }
    const spouts = asArray(b.spouts);
    assert.equal(spouts.length, 1);
    const spout = spouts[0]!;
    for (const k of [
      'spoutId',
      'encodedSpoutId',
      'executors',
      'tasks',
      'emitted',
      'transferred',
      'completeLatency',
      'acked',
      'failed',
      'lastError',
      'errorHost',
      'errorPort',
      'errorTime',
      'errorLapsedSecs',
      'errorWorkerLogLink',
    ])
      assert.ok(k in spout, `spout row has ${k}`);
    assert.equal(spout.spoutId, 'words');
    assert.equal(spout.emitted, M, 'no replays in a healthy run');
    assert.equal(spout.acked, M);
    const bolts = Object.fromEntries(asArray(b.bolts).map((x) => [x.boltId as string, x]));
    assert.deepEqual(Object.keys(bolts).sort(), ['count', 'sink'], 'system components only with sys=1');
    for (const bolt of Object.values(bolts))
      for (const k of [
        'boltId',
        'encodedBoltId',
        'executors',
        'tasks',
        'emitted',
        'transferred',
        'capacity',
        'executeLatency',
        'executed',
        'processLatency',
        'acked',
        'failed',
        'lastError',
      ])
        assert.ok(k in bolt, `bolt row has ${k}`);
    assert.equal(bolts.count!.executed, M);
    assert.equal(bolts.count!.emitted, M);
    assert.equal(bolts.count!.executors, 2);
    assert.equal(bolts.sink!.executed, sinkLines, 'sink executed = lines it wrote');
    assert.equal(bolts.sink!.acked, sinkLines);
    assert.match(String(bolts.count!.capacity), /^\d+\.\d{3}$/);
    const workers = asArray(b.workers);
    assert.equal(workers.length, 2);
    let tasks = 0;
    for (const w of workers) {
      for (const k of [
        'topologyName',
        'topologyId',
        'host',
        'supervisorId',
        'port',
        'uptime',
        'uptimeSeconds',
        'executorsTotal',
        'componentNumTasks',
        'workerLogLink',
      ])
        assert.ok(k in w, `worker has ${k}`);
      for (const n of Object.values(w.componentNumTasks as Record<string, number>)) tasks += n;
    }
    assert.equal(
      tasks,
      b.tasksTotal,
      'componentNumTasks covers every task (tasksTotal counts ackers too, like executorsTotal)',
    );
    const edges = asArray(b.edges)
      .map((e) => `${String(e.source)}->${String(e.target)}:${String(e.grouping)}`)
      .sort();
    assert.deepEqual(edges, ['count->sink:shuffle', 'words->count:fields [word]']);
    // The configuration is for holders of the token only.
    assert.deepEqual(b.configuration, {});
    assert.equal(
      ((await get(`/api/v1/topology/${encodeURIComponent(ref)}`, TOKEN)).body.configuration as Json)[
        'topology.workers'
      ],
      2,
    );
  }
  const sys = await get(`/api/v1/topology/${topologyId}?sys=1&window=600`);
  assert.equal(sys.body.window, '600');
  const acker = asArray(sys.body.bolts).find((x) => x.boltId === '__acker');
  assert.ok(acker, 'sys=1 lists the acker');
  assert.equal(acker.executed, 3 * M, 'the acker saw, per word, one init and an ack from each of the two bolts');
});

test('component pages: per-window stats, input and output streams, executors', async () => {
  const count = await get(`/api/v1/topology/${topologyId}/component/count?window=600`);
  assert.equal(count.status, 200);
  const c = count.body;
  assert.equal(c.componentType, 'bolt');
  assert.equal(c.topologyId, topologyId);
  assert.equal(c.topologyStatus, 'ACTIVE');
  assert.equal(c.window, '600');
  assert.equal(c.executors, 2);
  assert.deepEqual(
    asArray(c.boltStats).map((w) => [w.window, w.executed]),
    [
      ['600', M],
      ['10800', M],
      ['86400', M],
      [':all-time', M],
    ],
  );
  const inputs = asArray(c.inputStats);
  assert.equal(inputs.length, 1);
  assert.deepEqual(keys(inputs[0]), [
    'acked',
    'component',
    'encodedComponentId',
    'executeLatency',
    'executed',
    'failed',
    'processLatency',
    'stream',
  ]);
  assert.equal(inputs[0]!.component, 'words');
  assert.equal(inputs[0]!.stream, 'default');
  assert.equal(inputs[0]!.executed, M);
  assert.deepEqual(
    asArray(c.outputStats).map((o) => [o.stream, o.emitted, o.transferred]),
    [['default', M, M]],
  );
  const execs = asArray(c.executorStats);
  assert.equal(execs.length, 2);
  for (const e of execs)
    for (const k of [
      'id',
      'encodedId',
      'uptime',
      'uptimeSeconds',
      'host',
      'port',
      'emitted',
      'transferred',
      'capacity',
      'executeLatency',
      'executed',
      'processLatency',
      'acked',
      'failed',
      'workerLogLink',
    ])
      assert.ok(k in e, `executor has ${k}`);
  assert.equal(
    execs.reduce((a, e) => a + (e.executed as number), 0),
    M,
    'executors add up to the component',
  );
  assert.deepEqual(c.componentErrors, []);

  const words = await get(`/api/v1/topology/wc-rest/component/words`);
  const w = words.body;
  assert.equal(w.componentType, 'spout');
  assert.deepEqual(
    asArray(w.spoutSummary).map((x) => x.acked),
    [M, M, M, M],
  );
  assert.deepEqual(
    asArray(w.outputStats).map((o) => [o.stream, o.emitted, o.acked, o.failed]),
    [['default', M, M, 0]],
  );
  assert.equal(asArray(w.executorStats)[0]!.acked, M);
});

test('errors: unknown topology or component 404, bad window 400, unknown endpoint 404, wrong method 405', async () => {
  const missing = await get('/api/v1/topology/no-such-topology');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error, 'Not Found');
  assert.match(String(missing.body.errorMessage), /no-such-topology/);
  const comp = await get(`/api/v1/topology/${topologyId}/component/nope`);
  assert.equal(comp.status, 404);
  assert.match(
    String(comp.body.errorMessage),
    /^topology 'wc-rest' \(.*\) has no component 'nope' \(its components: words, count, sink, __acker\)$/,
  );
  const bad = await get(`/api/v1/topology/${topologyId}?window=ten`);
  assert.equal(bad.status, 400);
  assert.match(String(bad.body.errorMessage), /window/);
  assert.equal((await get('/api/v1/nothing/here')).status, 404);
  assert.equal((await post('/api/v1/cluster/summary')).status, 405);
});

test('actions: 401 without the token or with a wrong one; deactivate and activate change the status', async () => {
  const none = await post(`/api/v1/topology/${topologyId}/deactivate`);
  assert.equal(none.status, 401);
  assert.equal(none.body.error, 'Unauthorized');
  assert.equal((await post(`/api/v1/topology/${topologyId}/deactivate`, 'wrong-token')).status, 401);
  assert.equal((await post(`/api/v1/topology/${topologyId}/kill/0`, 'wrong-token')).status, 401);
  const status = async () => asArray((await get('/api/v1/topology/summary')).body.topologies)[0]!.status;
  assert.equal(await status(), 'ACTIVE', 'refused actions changed nothing');

  const off = await post(`/api/v1/topology/${topologyId}/deactivate`, TOKEN);
  assert.equal(off.status, 200);
  assert.deepEqual(off.body, { topologyOperation: 'deactivate', topologyId, status: 'success' });
  assert.equal(await status(), 'INACTIVE');
  assert.equal((await get(`/api/v1/topology/${topologyId}`)).body.status, 'INACTIVE');
  const on = await post(`/api/v1/topology/${topologyId}/activate`, TOKEN);
  assert.equal(on.status, 200);
  assert.equal(await status(), 'ACTIVE');

  const badBody = await fetch(new URL(`/api/v1/topology/${topologyId}/rebalance/0`, cluster.uiUrl), {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}` },
    body: '{"rebalanceOptions": {"numWorkers": 0}}',
  });
  assert.equal(badBody.status, 400);
  assert.equal((await post(`/api/v1/topology/${topologyId}/kill/soon`, TOKEN)).status, 400);
  assert.equal((await post('/api/v1/topology/no-such-topology/activate', TOKEN)).status, 404);
});

test("log endpoint: pages of a worker's log by offset, and the tail", async () => {
  const worker = asArray((await get(`/api/v1/topology/${topologyId}`)).body.workers)[0]!;
  const base = `/api/v1/log?topologyId=${encodeURIComponent(topologyId)}&host=${String(worker.host)}&port=${String(worker.port)}`;
  assert.equal((await get(`${base}&start=0&length=80`)).status, 401, 'logs need the token');
  const first = await get(`${base}&start=0&length=80`, TOKEN);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.start, 0);
  assert.equal(first.body.length, 80);
  const second = await get(`${base}&start=80&length=80`, TOKEN);
  assert.equal(second.body.start, 80);
  const fileSize = second.body.fileSize as number;
  assert.ok(fileSize >= 160, `log has content (${fileSize} bytes)`);
  const file = cluster.workerLogs(topologyId).find((text) => text.startsWith(String(first.body.data)));
  assert.ok(file, "page 1 is the start of one of the topology's worker logs");
  assert.equal(String(first.body.data) + String(second.body.data), file.slice(0, 160), 'page 2 continues page 1');
  assert.match(
    String(first.body.data).split('\n')[0]!,
    /^\{.*"topology"/,
    'worker log lines are pino JSON with the topology field',
  );
  const tail = await get(`${base}&start=-50`, TOKEN);
  assert.equal(tail.body.length, 50);
  assert.equal(tail.body.start, (tail.body.fileSize as number) - 50);
  assert.ok(
    file.endsWith(String(tail.body.data)) || (tail.body.fileSize as number) > file.length,
    'the tail is the end of the file',
  );
  assert.equal((await get(`${base.replace(/port=\d+/, 'port=1')}&start=0`, TOKEN)).status, 404);
  assert.equal((await get('/api/v1/log?topologyId=x', TOKEN)).status, 400);
});

function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    assert.ok(m, `exposition line parses: ${line}`);
    out.set(m[1]!, m[2] === '+Inf' ? Infinity : Number(m[2]));
  }
  return out;
}

test('/metrics on the UI and on nimbus: parseable, counters equal to the REST API', async () => {
  const top = (await get(`/api/v1/topology/${topologyId}`)).body;
  const spout = asArray(top.spouts)[0]!;
  const count = asArray(top.bolts).find((b) => b.boltId === 'count')!;
  for (const url of [new URL('/metrics', cluster.uiUrl), new URL(`http://127.0.0.1:${metricsPort}/metrics`)]) {
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const m = parseMetrics(text);
    const l = (component: string) => `{topology="wc-rest",component="${component}"}`;
    assert.equal(m.get(`squall_component_acked_total${l('words')}`), spout.acked, `${url.href}: spout acked`);
    assert.equal(m.get(`squall_component_emitted_total${l('words')}`), spout.emitted);
    assert.equal(m.get(`squall_component_failed_total${l('words')}`), 0);
    assert.equal(m.get(`squall_component_executed_total${l('count')}`), count.executed);
    assert.equal(m.get('squall_supervisors'), 2);
    assert.equal(m.get('squall_slots_total'), 4);
    assert.match(text, /# TYPE squall_component_execute_latency_seconds histogram/);
    // Histogram: cumulative buckets, +Inf equal to _count, one observation per executed tuple.
    const prefix = 'squall_component_execute_latency_seconds_bucket{topology="wc-rest",component="count",le="';
    const buckets = [...m].filter(([k]) => k.startsWith(prefix)).map(([, v]) => v);
    assert.equal(buckets.length, 32);
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]! >= buckets[i - 1]!, 'buckets are cumulative');
    assert.equal(buckets.at(-1), m.get(`squall_component_execute_latency_seconds_count${l('count')}`));
    assert.equal(buckets.at(-1), count.executed);
  }
  const nimbusText = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  assert.match(nimbusText, /squall_nimbus_is_leader\{nimbus="[^"]+"\} 1/);
});

test('squall monitor --json: live rates per component from a running topology; rebalance through POST', async () => {
  const out = cluster.outputDir('wc-live');
  const r = cluster.cli([
    'submit',
    FIXTURE,
    '--name',
    'wc-live',
    '--json',
    '-c',
    `squall.test.dir=${out}`,
    '-c',
    'squall.test.words=1000000',
    '-c',
    'squall.test.pause.every=50',
    '-c',
    'squall.test.pause.ms=50',
    '-c',
    'topology.workers=2',
    '-c',
    `nimbus.auth.token=${TOKEN}`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const liveId = (JSON.parse(r.stdout) as { topologyId: string }).topologyId;
  await eventually(
    'words flowing',
    async () => (asArray((await get(`/api/v1/topology/${liveId}`)).body.spouts)[0]?.acked as number) > 0 || undefined,
    60000,
  );
  const mon = cluster.cli(['monitor', 'wc-live', '--json', '--interval', '1.5', '--count', '3']);
  assert.equal(mon.code, 0, mon.stderr);
  const lines = mon.stdout
    .trim()
    .split('\n')
    .map(
      (l) =>
        JSON.parse(l) as {
          topology: string;
          id: string;
          status: string;
          intervalSecs: number;
          newHeartbeat: boolean;
          components: Record<string, { emitted: number; emittedPerSec: number; executedPerSec: number; kind: string }>;
        },
    );
  assert.equal(lines.length, 3, 'one JSON line per interval, each with rates (the first reading is only their base)');
  assert.equal(lines[0]!.id, liveId);
  assert.equal(lines[0]!.status, 'ACTIVE');
  for (const l of lines) assert.ok(l.intervalSecs >= 1.4, `interval ${l.intervalSecs}`);
  assert.ok(lines[2]!.components.words!.emitted >= lines[1]!.components.words!.emitted, 'counters only grow');
  // A reading without a new heartbeat repeats the last rates, so a flowing topology never reads 0/s.
  const rates = lines.map((l) => l.components.words!.emittedPerSec);
  assert.ok(
    rates.every((x) => x > 0),
    `the spout emits: ${rates.join(', ')}/s`,
  );
  assert.ok(
    lines.every((l) => l.components.count!.executedPerSec > 0),
    'the bolt executes',
  );
  assert.equal(lines[2]!.components.count!.kind, 'bolt');

  const rebalance = await post(`/api/v1/topology/${liveId}/rebalance/0`, TOKEN, {
    rebalanceOptions: { numWorkers: 1 },
  });
  assert.equal(rebalance.status, 200);
  assert.equal(rebalance.body.topologyOperation, 'rebalance');
  await eventually(
    'one worker after the rebalance',
    async () => {
      const t = (await get(`/api/v1/topology/${liveId}`)).body;
      return (t.workersTotal === 1 && t.status === 'ACTIVE') || undefined;
    },
    60000,
  );
  assert.equal((await post(`/api/v1/topology/${liveId}/kill/0`, TOKEN)).status, 200);
});

test('the web app is served at / with SPA fallback, and killing through POST removes the topology', async () => {
  const webBuilt = (() => {
    try {
      return readFileSync(path.join(ROOT, 'packages/ui/dist/web/index.html'), 'utf8').length > 0;
    } catch {
      return false;
    }
  })();
  const index = await fetch(new URL('/', cluster.uiUrl));
  assert.equal(index.status, 200);
  if (webBuilt) {
    assert.match(index.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const deep = await fetch(new URL('/topology/some-id', cluster.uiUrl));
    assert.equal(deep.status, 200, 'client-side routes get index.html');
    assert.match(deep.headers.get('content-type') ?? '', /^text\/html/);
  }
  assert.equal((await fetch(new URL('/missing.js', cluster.uiUrl))).status, 404);

  const kill = await post(`/api/v1/topology/${topologyId}/kill/0`, TOKEN);
  assert.equal(kill.status, 200);
  assert.equal(kill.body.topologyOperation, 'kill');
  await eventually(
    'the topology to disappear',
    async () => (await get(`/api/v1/topology/${topologyId}`)).status === 404 || undefined,
    30000,
  );
});

test('the UI follows a nimbus failover: the standby that takes over answers through the same UI', async () => {
  const ha = await TestCluster.start({ nimbuses: 2, supervisors: 1, slotsPerSupervisor: 1, ui: true });
  try {
    const nimbuses = async () => {
      const res = await fetch(new URL('/api/v1/nimbus/summary', ha.uiUrl));
      return res.ok
        ? ((await res.json()) as { nimbuses: Array<{ host: string; port: number; status: string }> }).nimbuses
        : undefined;
    };
    const leaderOf = async () => (await nimbuses())?.find((n) => n.status === 'Leader');
    const first = await eventually('a leader', leaderOf);
    assert.equal(`${first.host}:${first.port}`, ha.nimbusAddresses[0]);
    assert.equal((await nimbuses())!.length, 2);
    ha.daemons.find((d) => d.name === 'nimbus')!.child.kill('SIGKILL');
    const second = await eventually(
      'the UI to report the standby as leader',
      async () => {
        const l = await leaderOf().catch(() => undefined);
        return l && `${l.host}:${l.port}` === ha.nimbusAddresses[1] ? l : undefined;
      },
      60000,
    );
    assert.equal(second.status, 'Leader');
    const summary = await fetch(new URL('/api/v1/cluster/summary', ha.uiUrl));
    assert.equal(summary.status, 200);
    assert.equal(((await summary.json()) as { supervisors: number }).supervisors, 1);
  } finally {
    await ha.shutdown();
  }
});
