import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { findFreePort } from '@squall/cluster-state';
import { createNimbusClient, type pb } from '@squall/protocol';
import { rawHttp as raw, rawStatus as statusOf } from '../harness/raw-http';
import { ROOT, TestCluster, eventually } from '../harness/test-cluster';

// The HTTP side of a real cluster (ZooKeeper, nimbus with its metrics port, a supervisor, the `squall ui` daemon, all
// with a token) under the attacks that used to hurt: a malformed request line to nimbus's metrics port, a cross-origin
// POST to the UI, reads of logs and configuration without the token, poisoned and oversized submissions; plus the REST
// messages that used to mislead. The full attacker suite is test/security/http-attacks.test.ts.

const FIXTURE = path.join(ROOT, 'test/fixtures/finite-wordcount.ts');
const TOKEN = 'http-security-test-token';
const NAME = 'wc-http';
let cluster: TestCluster;
let metricsPort = 0;
let topologyId = '';

const ui = (p: string) => new URL(p, cluster.uiUrl);

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

/** A raw SubmitTopology carrying only a header: nimbus checks it before any byte of package. */
function submitHeader(header: pb.ISubmitHeader, token = TOKEN): Promise<grpc.ServiceError | string> {
  const client = createNimbusClient(cluster.nimbusAddress, { authToken: token });
  return new Promise<grpc.ServiceError | string>((resolve) => {
    const call = client.submitTopology((err: grpc.ServiceError | null, res?: pb.SubmitTopologyResponse) =>
      resolve(err ?? res?.topologyId ?? ''),
    );
    call.write({ header: { packageDigest: 'a'.repeat(64), packageSize: 1, ...header } });
    call.end();
  }).finally(() => client.close());
}

function spoutSpec(numTasks: number, conf: Record<string, unknown> = {}): string {
  return JSON.stringify({
    name: 'x',
    conf,
    components: [
      {
        id: 'words',
        kind: 'spout',
        parallelism: 1,
        numTasks,
        inputs: [],
        outputs: [{ id: 'default', fields: ['word'], direct: false }],
        conf: {},
      },
    ],
  });
}

before(async () => {
  metricsPort = await findFreePort();
  cluster = await TestCluster.start({
    supervisors: 1,
    slotsPerSupervisor: 3,
    ui: true,
    conf: { 'nimbus.auth.token': TOKEN, 'nimbus.metrics.port': metricsPort },
  });
  const conf = {
    'squall.test.dir': cluster.outputDir(NAME),
    'squall.test.words': 100000000,
    'squall.test.pause.every': 50,
    'squall.test.pause.ms': 20,
  };
  const r = cluster.cli([
    'submit',
    FIXTURE,
    '--name',
    NAME,
    '--json',
    '-c',
    `nimbus.auth.token=${TOKEN}`,
    ...Object.entries(conf).flatMap(([k, v]) => ['-c', `${k}=${JSON.stringify(v)}`]),
  ]);
  assert.equal(r.code, 0, r.stderr);
  topologyId = (JSON.parse(r.stdout) as { topologyId: string }).topologyId;
  await eventually(
    'a worker of the topology to run',
    async () =>
      ((await json(await fetch(ui(`/api/v1/topology/${topologyId}`)))).workers as unknown[]).length > 0 || undefined,
    60000,
  );
});
after(async () => {
  await cluster?.shutdown();
});

test("malformed requests to nimbus's metrics port get 4xx and nimbus stays up", async () => {
  const nimbus = cluster.daemons.find((d) => d.name === 'nimbus')!;
  for (const request of [
    'GET // HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
    'GET //evil/metrics HTTP/1.1\r\n\r\n',
    'GET * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
    'BLAH\r\n\r\n',
    `GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX: ${'a'.repeat(40000)}\r\n\r\n`,
  ]) {
    const answer = await raw(metricsPort, request);
    const status = statusOf(answer);
    assert.ok(status >= 400 && status < 500, `${request.slice(0, 30)} → ${answer.split('\r\n')[0]}`);
    assert.match(answer, /^x-content-type-options: nosniff/im);
  }
  assert.equal(nimbus.child.exitCode, null, 'nimbus is alive');
  const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(await metrics.text(), /squall_nimbus_is_leader\{nimbus="[^"]+"\} 1/);
  assert.equal(cluster.cli(['list']).code, 0, 'nimbus answers gRPC');
});

test('the UI refuses cross-origin POSTs (even with the token) and answers with security headers', async () => {
  for (const headers of [
    { origin: 'http://evil.example' },
    { origin: 'http://evil.example', authorization: `Bearer ${TOKEN}` },
    { 'sec-fetch-site': 'cross-site', authorization: `Bearer ${TOKEN}` },
  ] as Array<Record<string, string>>) {
    const res = await fetch(ui(`/api/v1/topology/${NAME}/kill/0`), {
      method: 'POST',
      headers: { ...headers, 'content-type': 'text/plain' },
      body: '',
    });
    assert.equal(res.status, 403, JSON.stringify(headers));
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  }
  const t = await json(await fetch(ui(`/api/v1/topology/${NAME}`)));
  assert.equal(t.status, 'ACTIVE', 'not killed');
});

test('with a token, worker logs and topology configuration need it; status reads stay open', async () => {
  const open = await json(await fetch(ui(`/api/v1/topology/${topologyId}`)));
  assert.deepEqual(open.configuration, {}, 'configuration hidden without the token');
  // The submit passed the token with -c, so it is in the topology's conf: nowhere in what an anonymous reader gets.
  assert.ok(!JSON.stringify(open).includes(TOKEN), 'no token in the anonymous answer');
  assert.match(String(open.configurationHidden), /Authorization: Bearer/);
  assert.equal(open.status, 'ACTIVE');
  const auth = { authorization: `Bearer ${TOKEN}` };
  const full = await json(await fetch(ui(`/api/v1/topology/${topologyId}`), { headers: auth }));
  assert.equal((full.configuration as Record<string, unknown>)['topology.name'], NAME);
  const worker = (full.workers as Array<{ host: string; port: number }>)[0]!;
  const logPath = `/api/v1/log?topologyId=${topologyId}&host=${worker.host}&port=${worker.port}`;
  for (const headers of [{}, { authorization: 'Bearer wrong' }] as Array<Record<string, string>>)
    assert.equal((await fetch(ui(logPath), { headers })).status, 401);
  const log = await fetch(ui(logPath), { headers: auth });
  assert.equal(log.status, 200);
  assert.ok(String((await json(log)).data).length > 0, 'the log has lines');
  for (const p of [
    '/api/v1/cluster/summary',
    '/api/v1/topology/summary',
    `/api/v1/topology/${topologyId}/component/count`,
    '/metrics',
  ])
    assert.equal((await fetch(ui(p))).status, 200, p);
});

test('REST messages: a missing component is named, bad windows are refused, actions answer with the real id', async () => {
  const nope = await fetch(ui(`/api/v1/topology/${NAME}/component/nope`));
  assert.equal(nope.status, 404);
  assert.equal(
    (await json(nope)).errorMessage,
    `topology '${NAME}' (${topologyId}) has no component 'nope' (its components: words, count, sink, __acker)`,
  );
  const unknown = await fetch(ui('/api/v1/topology/no-such-topology/component/count'));
  assert.equal(unknown.status, 404);
  assert.match(String((await json(unknown)).errorMessage), /no running topology named 'no-such-topology'/);
  const window = await fetch(ui(`/api/v1/topology/${NAME}?window=7`));
  assert.equal(window.status, 400);
  assert.match(String((await json(window)).errorMessage), /600, 10800, 86400 .* :all-time, got '7'/);
  const act = await fetch(ui(`/api/v1/topology/${NAME}/activate`), {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(act.status, 200);
  assert.deepEqual(await json(act), { topologyOperation: 'activate', topologyId, status: 'success' });
});

test('nimbus refuses __proto__ keys and oversized topologies at submit, naming every problem, in milliseconds', async () => {
  // Each document is checked as it is parsed, every bad key of it named with its path.
  const spec = await submitHeader({
    name: 'poisoned',
    specJson: spoutSpec(1, JSON.parse('{"constructor": 1}') as Record<string, unknown>),
    confJson: '{}',
  });
  assert.notEqual(typeof spec, 'string', 'refused');
  assert.match(
    (spec as grpc.ServiceError).details,
    /^invalid topology spec: 1 problem\(s\):\n {2}- topology spec: conf\.constructor: key 'constructor' is not allowed/,
  );
  const conf = await submitHeader({
    name: 'poisoned',
    specJson: spoutSpec(1),
    confJson: '{"__proto__": {"topology.workers": 50}, "topology.environment": {"prototype": "x"}}',
  });
  assert.notEqual(typeof conf, 'string', 'refused');
  const details = (conf as grpc.ServiceError).details;
  assert.match(details, /^invalid topology conf: 2 problem\(s\)/);
  assert.match(details, /topology conf: __proto__: key '__proto__' is not allowed/);
  assert.match(details, /topology conf: topology\.environment\.prototype: key 'prototype' is not allowed/);

  const t0 = Date.now();
  const huge = await submitHeader({
    name: 'huge',
    specJson: spoutSpec(10_000_000),
    confJson: '{"topology.workers": 1}',
  });
  assert.ok(Date.now() - t0 < 5000, `answered in ${Date.now() - t0} ms`);
  assert.match(
    (huge as grpc.ServiceError).details,
    /the topology has 10000001 tasks \(largest: 'words' 10000000, 1 acker\(s\)\), over this cluster's nimbus\.max\.topology\.tasks = 10000/,
  );
  // The submitter cannot raise the cluster's limit with its own conf.
  const raised = await submitHeader({
    name: 'huge',
    specJson: spoutSpec(10_000_000),
    confJson: '{"nimbus.max.topology.tasks": 100000000}',
  });
  assert.match((raised as grpc.ServiceError).details, /over this cluster's nimbus\.max\.topology\.tasks = 10000/);
  assert.equal(cluster.cli(['list']).stdout.includes('huge'), false);
});

test('topology.max.task.parallelism caps every component, as in Storm', async () => {
  const r = cluster.cli([
    'submit',
    FIXTURE,
    '--name',
    'capped',
    '--json',
    '-c',
    `nimbus.auth.token=${TOKEN}`,
    '-c',
    'topology.max.task.parallelism=1',
    '-c',
    `squall.test.dir=${JSON.stringify(cluster.outputDir('capped'))}`,
    '-c',
    'squall.test.words=100',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const t = await json(await fetch(ui('/api/v1/topology/capped')));
  for (const b of t.bolts as Array<{ boltId: string; tasks: number; executors: number }>)
    assert.deepEqual([b.boltId, b.tasks, b.executors], [b.boltId, 1, 1]);
  await eventually(
    'the capped topology to count every word',
    async () => {
      const c = await json(await fetch(ui('/api/v1/topology/capped')));
      return (
        (c.bolts as Array<{ boltId: string; executed: number }>).find((b) => b.boltId === 'sink')?.executed === 100 ||
        undefined
      );
    },
    60000,
  );
  const rebalance = await fetch(ui('/api/v1/topology/capped/rebalance/0'), {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}` },
    body: '{"rebalanceOptions": {"executors": {"count": 2}}}',
  });
  assert.equal(rebalance.status, 400);
  assert.match(
    String((await json(rebalance)).errorMessage),
    /component 'count' must have 1 to 1 executors \(its task count\), got 2/,
  );
  assert.equal(cluster.cli(['kill', 'capped', '-w', '0', '-c', `nimbus.auth.token=${TOKEN}`]).code, 0);
});
