// The attacker's view of every HTTP port of a cluster: the `squall ui` daemon (REST API, /metrics, the web app) and
// nimbus's Prometheus port, on a real cluster (ZooKeeper, nimbus, a supervisor, the UI, all with nimbus.auth.token)
// running a topology. Every route is tried without the token, with a wrong one, cross-origin, with malformed request
// lines and targets, path traversal in every id, oversized and slow bodies. Each must be refused with the documented
// 4xx, change nothing, and leave every daemon up and the topology running. Self-contained: `node --test` on the
// compiled file runs it (npm run test:security runs it with the other security suites).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { findFreePort } from '@squall/cluster-state';
import { rawHttp, rawStatus } from '../harness/raw-http';
import { ROOT, TestCluster, eventually } from '../harness/test-cluster';

const FIXTURE = path.join(ROOT, 'test/fixtures/finite-wordcount.ts');
const TOKEN = 'http-attacks-token-0123456789';
const NAME = 'victim';
const SECURITY_HEADERS = ['content-security-policy', 'x-frame-options', 'x-content-type-options', 'referrer-policy'];

let cluster: TestCluster;
let uiPort = 0;
let metricsPort = 0;
let topologyId = '';
let worker = { host: '', port: 0 };

type Headers = Record<string, string>;
const AUTH: Headers = { authorization: `Bearer ${TOKEN}` };

async function call(
  method: string,
  p: string,
  headers: Headers = {},
  body?: string,
): Promise<{ status: number; body: Record<string, unknown>; headers: globalThis.Headers }> {
  const res = await fetch(new URL(p, cluster.uiUrl), { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Every state-changing route, with a body where it takes one. */
const actions = () =>
  [
    [`/api/v1/topology/${NAME}/activate`, undefined],
    [`/api/v1/topology/${NAME}/deactivate`, undefined],
    [`/api/v1/topology/${NAME}/rebalance/0`, '{"rebalanceOptions": {"numWorkers": 2}}'],
    [`/api/v1/topology/${NAME}/kill/0`, undefined],
  ] as Array<[string, string | undefined]>;

/** The topology is untouched: ACTIVE, on its one worker, and its spout still emitting. */
async function victimUnharmed(): Promise<void> {
  const before = await call('GET', `/api/v1/topology/${topologyId}`);
  assert.equal(before.status, 200);
  assert.equal(before.body.status, 'ACTIVE');
  assert.equal(before.body.workersTotal, 1);
  const emitted = (before.body.spouts as Array<{ emitted: number }>)[0]!.emitted;
  await eventually(
    `${NAME} to keep emitting past ${emitted}`,
    async () =>
      ((await call('GET', `/api/v1/topology/${topologyId}`)).body.spouts as Array<{ emitted: number }>)[0]!.emitted >
        emitted || undefined,
    30000,
  );
}

function daemonsUp(): void {
  for (const d of cluster.daemons) assert.equal(d.child.exitCode, null, `${d.name} exited (log: ${d.log})`);
}

before(async () => {
  metricsPort = await findFreePort();
  cluster = await TestCluster.start({
    supervisors: 1,
    slotsPerSupervisor: 2,
    ui: true,
    conf: { 'nimbus.auth.token': TOKEN, 'nimbus.metrics.port': metricsPort },
  });
  uiPort = Number(new URL(cluster.uiUrl).port);
  const conf = {
    'squall.test.dir': cluster.outputDir(NAME),
    'squall.test.words': 100000000,
    'squall.test.pause.every': 50,
    'squall.test.pause.ms': 20,
    'topology.workers': 1,
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
  worker = await eventually(
    'the worker to report',
    async () =>
      (
        (await call('GET', `/api/v1/topology/${topologyId}`, AUTH)).body.workers as Array<{
          host: string;
          port: number;
        }>
      )[0],
    60000,
  );
});
after(async () => {
  await cluster?.shutdown();
});

test('without the token, or with a wrong one, nothing changes state and no log or configuration leaks', async () => {
  const wrong: Headers[] = [
    {},
    { authorization: 'Bearer wrong' },
    { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
    { authorization: `Basic ${TOKEN}` },
    { authorization: TOKEN },
    { authorization: `Bearer ${TOKEN}x` },
    { cookie: `token=${TOKEN}` },
  ];
  for (const headers of wrong) {
    for (const [p, body] of actions()) {
      const res = await call('POST', p, headers, body);
      assert.equal(res.status, 401, `${p} with ${JSON.stringify(headers)}`);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="squall"');
    }
    const log = await call(
      'GET',
      `/api/v1/log?topologyId=${topologyId}&host=${worker.host}&port=${worker.port}`,
      headers,
    );
    assert.equal(log.status, 401, `log with ${JSON.stringify(headers)}`);
    assert.equal(log.body.data, undefined);
    const t = await call('GET', `/api/v1/topology/${topologyId}`, headers);
    assert.deepEqual(t.body.configuration, {}, 'no configuration without the token');
    assert.ok(
      !JSON.stringify(t.body).includes(TOKEN),
      'the token (passed with -c at submit, so in the conf) does not leak',
    );
  }
  // The token in the query string is not a credential either.
  assert.equal((await call('POST', `/api/v1/topology/${NAME}/kill/0?token=${TOKEN}`)).status, 401);
  // Status reads are open, as documented.
  for (const p of [
    '/api/v1/cluster/summary',
    '/api/v1/nimbus/summary',
    '/api/v1/supervisor/summary',
    '/api/v1/topology/summary',
    `/api/v1/topology/${topologyId}`,
    `/api/v1/topology/${topologyId}/visualization`,
    `/api/v1/topology/${topologyId}/component/words`,
    '/metrics',
    '/',
  ])
    assert.equal((await call('GET', p)).status, 200, p);
  await victimUnharmed();
});

test('cross-origin POSTs are refused even with the right token', async () => {
  const host = `127.0.0.1:${uiPort}`;
  const foreign: Headers[] = [
    { origin: 'http://evil.example' },
    { origin: 'null' },
    { origin: `http://${host}.evil.example` },
    { origin: `http://localhost:${uiPort}` },
    { origin: 'http://127.0.0.1:1' },
    { origin: `https://${host}x` },
    { 'sec-fetch-site': 'cross-site' },
    { 'sec-fetch-site': 'same-site', origin: `http://${host}` },
    { 'sec-fetch-site': 'cross-site', origin: `http://${host}` },
  ];
  for (const headers of foreign)
    for (const [p, body] of actions()) {
      const res = await call('POST', p, { ...AUTH, ...headers, 'content-type': 'text/plain' }, body ?? '');
      assert.equal(res.status, 403, `${p} with ${JSON.stringify(headers)}`);
      assert.match(String(res.body.errorMessage), /^refused a POST from/);
    }
  await victimUnharmed();
});

test('malformed request lines, targets and headers get 4xx from the UI and from nimbus; both stay up', async () => {
  const long = 'a'.repeat(70000);
  const requests = [
    'GET // HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
    'GET //evil.example/metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
    'GET * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
    'OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
    'GET http://[::1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
    'GET http://x:99999/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
    'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n',
    'GET example.com:443 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
    'GET /metrics HTTP/1.1\r\n\r\n',
    'GET /metrics HTTP/7.0\r\nHost: 127.0.0.1\r\n\r\n',
    'G\u0000ET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
    '\r\n\r\n\r\n',
    '\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003',
    'GET /%%% HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
    'GET /api/v1/topology/%E0%A4%A HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
    'GET /metrics?%zz=%%%&window=%E0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
    `GET /${long} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${long}\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n${Array.from({ length: 3000 }, (_, i) => `X-${i}: y`).join('\r\n')}\r\n\r\n`,
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header Line\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX: a\rb\r\n\r\n',
    'POST /api/v1/topology/victim/kill/0 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'POST /api/v1/topology/victim/kill/0 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef',
    'POST /api/v1/topology/victim/kill/0 HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n',
    'POST /api/v1/topology/victim/kill/0 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n',
  ];
  for (const port of [uiPort, metricsPort]) {
    for (const request of requests) {
      const answer = await rawHttp(port, request, { waitMs: 2000 });
      const status = rawStatus(answer);
      const shown = `${port === uiPort ? 'ui' : 'nimbus'}: ${JSON.stringify(request.slice(0, 60))} → ${JSON.stringify(answer.split('\r\n')[0])}`;
      // Either refused with a 4xx, or (for a well-formed target) answered normally; never a 5xx or a dead daemon.
      assert.ok(answer === '' || (status >= 200 && status < 500), shown);
      if (status >= 400)
        for (const h of SECURITY_HEADERS) assert.match(answer, new RegExp(`^${h}: `, 'mi'), `${h} missing: ${shown}`);
    }
    daemonsUp();
  }
  assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status, 200);
  await victimUnharmed();
});

test('path traversal and junk in every id: 400, never passed on', async () => {
  const ids = [
    '..',
    '%2e%2e',
    '..%2F..%2Fetc%2Fpasswd',
    '%2F',
    'a%00b',
    '%0d%0aX-Injected:%20yes',
    `${'a'.repeat(300)}`,
    '-rf',
    '.hidden',
    'a%20b',
    '%C0%AE%C0%AE',
  ];
  const routes = (id: string) => [
    `/api/v1/topology/${id}`,
    `/api/v1/topology/${id}/visualization`,
    `/api/v1/topology/${id}/component/words`,
    `/api/v1/topology/${topologyId}/component/${id}`,
  ];
  for (const id of ids) {
    for (const p of routes(id)) {
      const answer = await rawHttp(uiPort, `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      assert.equal(rawStatus(answer), 400, `${p} → ${answer.split('\r\n')[0]}`);
      assert.doesNotMatch(answer, /^X-Injected/im);
    }
    for (const [p, body] of actions().map(([a, b]) => [a.replace(NAME, id), b] as const)) {
      const answer = await rawHttp(
        uiPort,
        `POST ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: ${Buffer.byteLength(body ?? '')}\r\nConnection: close\r\n\r\n${body ?? ''}`,
      );
      assert.equal(rawStatus(answer), 400, `POST ${p} → ${answer.split('\r\n')[0]}`);
    }
  }
  for (const q of [
    `topologyId=..%2F..%2Fetc&host=${worker.host}&port=${worker.port}`,
    `topologyId=${topologyId}&host=..%2F..&port=${worker.port}`,
    `topologyId=${topologyId}&host=${worker.host}&port=../1`,
    `topologyId=${topologyId}&host=${worker.host}&port=${worker.port}&start=abc`,
    `topologyId=${topologyId}&host=${worker.host}&port=${worker.port}&length=-1`,
  ])
    assert.equal((await call('GET', `/api/v1/log?${q}`, AUTH)).status, 400, q);
  for (const w of ['7', '-1', '1e9', '600.5', '%00', 'all', '99999999999999999999999'])
    assert.equal((await call('GET', `/api/v1/topology/${topologyId}?window=${w}`)).status, 400, `window=${w}`);
  // The web app's static files: traversal is answered with the app (SPA fallback) or 404, never a file outside it.
  for (const p of [
    '/..%2f..%2f..%2fetc%2fpasswd',
    '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/..%5c..%5cpackage.json',
    '/%c0%ae%c0%ae/etc/passwd',
  ]) {
    const answer = await rawHttp(uiPort, `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    assert.doesNotMatch(answer, /root:|"name": "squall-monorepo"/, p);
  }
  await victimUnharmed();
});

test('bodies: oversized, poisoned, malformed, slow and abandoned ones are refused; the UI stays up', async () => {
  const rebalance = `/api/v1/topology/${NAME}/rebalance/0`;
  // Slow clients first, in the background: a head that never ends, a body that never comes.
  const slowHead = rawHttp(uiPort, `GET /api/v1/cluster/summary HTTP/1.1\r\nHost: 127.0.0.1\r\n`, { waitMs: 45000 });
  const slowBody = rawHttp(
    uiPort,
    `POST ${rebalance} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 100\r\n\r\n{"reb`,
    { waitMs: 45000 },
  );

  const big = await call('POST', rebalance, AUTH, `{"rebalanceOptions": {}, "pad": "${'x'.repeat(1024 * 1024)}"}`);
  assert.equal(big.status, 413);
  const declared = await rawHttp(
    uiPort,
    `POST ${rebalance} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 1000000000\r\n\r\n{`,
  );
  assert.equal(rawStatus(declared), 413);
  for (const body of [
    '{"rebalanceOptions": {"executors": {"__proto__": {"count": 1}}}}',
    '{"__proto__": {"rebalanceOptions": {"numWorkers": 2}}}',
    '{"rebalanceOptions": {"executors": {"constructor": 1}}}',
  ]) {
    const res = await call('POST', rebalance, { ...AUTH, 'content-type': 'application/json' }, body);
    assert.equal(res.status, 400, body);
    assert.match(String(res.body.errorMessage), /key '(__proto__|constructor)' is not allowed/);
  }
  for (const body of [
    'not json',
    '[1,2]',
    'null',
    '{"rebalanceOptions": {"numWorkers": -1}}',
    '{"rebalanceOptions": {"executors": [1]}}',
    '{"rebalanceOptions": {"executors": {"count": 1e99}}}',
    `{"rebalanceOptions": ${'['.repeat(60000)}`,
  ])
    assert.equal((await call('POST', rebalance, AUTH, body)).status, 400, body.slice(0, 60));
  const abandoned = await rawHttp(
    uiPort,
    `POST ${rebalance} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 100\r\n\r\n{`,
    { endAfterWrite: true, waitMs: 2000 },
  );
  assert.ok(abandoned === '' || rawStatus(abandoned) >= 400, abandoned.split('\r\n')[0]);
  // Other methods on every route: 405 or 404, not a crash.
  for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS'])
    for (const p of ['/api/v1/cluster/summary', `/api/v1/topology/${NAME}/kill/0`, '/metrics', '/']) {
      const res = await call(method, p, AUTH);
      assert.ok(res.status === 405 || res.status === 404, `${method} ${p}: ${res.status}`);
    }

  const [head, body] = await Promise.all([slowHead, slowBody]);
  assert.equal(rawStatus(head), 408, `slow head → ${head.split('\r\n')[0]}`);
  assert.equal(rawStatus(body), 408, `slow body → ${body.split('\r\n')[0]}`);
  daemonsUp();
  await victimUnharmed();
});

test('every answer carries the security headers; the web app page cannot be framed or run foreign code', async () => {
  for (const p of ['/', '/api/v1/cluster/summary', '/api/v1/nope', `/api/v1/topology/${topologyId}`, '/metrics']) {
    const res = await fetch(new URL(p, cluster.uiUrl));
    for (const h of SECURITY_HEADERS) assert.ok(res.headers.get(h), `${h} on ${p}`);
    const csp = res.headers.get('content-security-policy')!;
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/, `${p}: ${csp}`);
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    await res.arrayBuffer();
  }
  const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  assert.match(metrics.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  assert.equal(metrics.headers.get('x-content-type-options'), 'nosniff');
  daemonsUp();
});

test('DNS rebinding: requests naming a foreign host are refused on every route, reads included', async () => {
  const routes = [
    '/',
    '/api/v1/cluster/summary',
    `/api/v1/topology/${topologyId}`,
    `/api/v1/log?topologyId=${topologyId}&host=${worker.host}&port=${worker.port}`,
    '/metrics',
  ];
  for (const host of ['evil.example', `evil.example:${uiPort}`, `127.0.0.1.nip.example:${uiPort}`]) {
    for (const p of routes) {
      const answer = await rawHttp(
        uiPort,
        `GET ${p} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`,
      );
      assert.equal(rawStatus(answer), 403, `${host} ${p} → ${answer.split('\r\n')[0]}`);
      assert.doesNotMatch(answer, /topologyId|stormVersion|squall_/, 'nothing of the cluster in the answer');
    }
    const kill = await rawHttp(
      uiPort,
      `POST /api/v1/topology/${NAME}/kill/0 HTTP/1.1\r\nHost: ${host}\r\nOrigin: http://${host}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(rawStatus(kill), 403);
  }
  await victimUnharmed();
});
