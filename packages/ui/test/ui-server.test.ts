import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@squall/core';
import { NimbusGateway } from '../src/nimbus-gateway';
import { UI_SECURITY_HEADERS } from '../src/security-headers';
import { buildUiApp } from '../src/ui-app';
import { UiServer } from '../src/ui-server';

// The UI daemon without a cluster: nimbus.seeds points at a loopback port nobody listens on, so every call that
// needs nimbus answers 502, while routing, auth, static files and errors are exercised for real over HTTP.

let ui: UiServer;
let web: string;

before(async () => {
  web = mkdtempSync(path.join(tmpdir(), 'squall-ui-web-'));
  mkdirSync(path.join(web, 'assets'));
  writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>Squall</title>');
  writeFileSync(path.join(web, 'app-3DDWGEZR.js'), 'console.log(1)');
  writeFileSync(path.join(web, 'assets', 'style.css'), 'body{}');
  ui = await UiServer.create({
    conf: { 'ui.port': 0, 'nimbus.seeds': ['127.0.0.1:1'], 'nimbus.auth.token': 's3cret', 'ui.nimbus.timeout.secs': 5 },
    webRoot: web,
  });
});
after(async () => {
  await ui?.shutdown();
  rmSync(web, { recursive: true, force: true });
});

const url = (p: string) => new URL(p, ui.url);

test('nimbus unreachable: 502 with a JSON error naming the address', async () => {
  for (const p of ['/api/v1/cluster/summary', '/api/v1/topology/wc', '/metrics']) {
    const res = await fetch(url(p));
    assert.equal(res.status, 502, p);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await res.json()) as { error: string; errorMessage: string };
    assert.equal(body.error, 'Bad Gateway');
    assert.match(body.errorMessage, /127\.0\.0\.1:1/);
  }
});

test('actions need the bearer token: 401 before nimbus is asked; with it the request reaches nimbus (502 here)', async () => {
  const none = await fetch(url('/api/v1/topology/wc/activate'), { method: 'POST' });
  assert.equal(none.status, 401);
  assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="squall"');
  assert.deepEqual(await none.json(), {
    error: 'Unauthorized',
    errorMessage: 'this action needs the header Authorization: Bearer <nimbus.auth.token>',
  });
  const wrong = await fetch(url('/api/v1/topology/wc/kill/0'), {
    method: 'POST',
    headers: { authorization: 'Bearer s3cre' },
  });
  assert.equal(wrong.status, 401);
  const basic = await fetch(url('/api/v1/topology/wc/deactivate'), {
    method: 'POST',
    headers: { authorization: 'Basic s3cret' },
  });
  assert.equal(basic.status, 401);
  const right = await fetch(url('/api/v1/topology/wc/activate'), {
    method: 'POST',
    headers: { authorization: 'bearer s3cret' },
  });
  assert.equal(right.status, 502);
  const badWait = await fetch(url('/api/v1/topology/wc/kill/later'), {
    method: 'POST',
    headers: { authorization: 'Bearer s3cret' },
  });
  assert.equal(badWait.status, 400);
});

test('routing errors: unknown API path 404, wrong method 405, bad log parameters 400', async () => {
  assert.equal((await fetch(url('/api/v1/nope'))).status, 404);
  assert.equal((await fetch(url('/api/v1/topology/summary'), { method: 'POST' })).status, 405);
  assert.equal((await fetch(url('/api/v1/topology/wc/activate'))).status, 405);
  const log = await fetch(url('/api/v1/log?topologyId=t&host=h&port=abc'), {
    headers: { authorization: 'Bearer s3cret' },
  });
  assert.equal(log.status, 400);
  assert.match(((await log.json()) as { errorMessage: string }).errorMessage, /port/);
});

test('static web app: content types, caching, SPA fallback, no escape from the web root', async () => {
  const index = await fetch(url('/'));
  assert.equal(index.status, 200);
  assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(index.headers.get('cache-control'), 'no-cache');
  const js = await fetch(url('/app-3DDWGEZR.js'));
  assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  const css = await fetch(url('/assets/style.css'));
  assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
  assert.equal(css.headers.get('cache-control'), 'public, max-age=3600');
  const deep = await fetch(url('/topology/wc-1-2/component/count'));
  assert.equal(deep.status, 200);
  assert.equal(await deep.text(), '<!doctype html><title>Squall</title>');
  assert.equal((await fetch(url('/missing.js'))).status, 404);
  // Dot segments are resolved inside the web root: the answer is the app (SPA fallback) or 404, never a system file.
  for (const p of ['/..%2f..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/hostname', '/..%2f..%2fpackage.json']) {
    const res = await fetch(url(p));
    const body = await res.text();
    assert.ok(
      res.status === 404 || body === '<!doctype html><title>Squall</title>',
      `${p}: ${res.status} ${body.slice(0, 40)}`,
    );
  }
  const head = await fetch(url('/'), { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
});

/** Writes `request` on a fresh connection to `port`; resolves with the answer (until the server closes, or 3 s). */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = () => resolve(Buffer.concat(chunks).toString('latin1'));
    const timer = setTimeout(() => {
      socket.destroy();
      done();
    }, 3000);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', (err) => (chunks.length > 0 ? undefined : reject(err)));
    socket.on('close', () => {
      clearTimeout(timer);
      done();
    });
    socket.write(request);
  });
}

test('every answer carries the security headers: app, API, errors, refused requests', async () => {
  for (const [p, init] of [
    ['/', {}],
    ['/app-3DDWGEZR.js', {}],
    ['/api/v1/cluster/summary', {}],
    ['/api/v1/nope', {}],
    ['/api/v1/topology/wc/activate', { method: 'POST' }],
  ] as Array<[string, RequestInit]>) {
    const res = await fetch(url(p), init);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/, p);
    assert.match(csp, /script-src 'self'(;|$)/, `${p}: no inline script`);
    assert.match(csp, /frame-ancestors 'none'/, p);
    assert.equal(res.headers.get('x-frame-options'), 'DENY', p);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', p);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer', p);
    await res.arrayBuffer();
  }
});

test('answers written before routing (raw 400s) carry the same security headers as helmet puts on every other one', async () => {
  const normalize = (name: string, v: string) =>
    name === 'content-security-policy'
      ? v
          .split(';')
          .map((d) => d.trim())
          .filter(Boolean)
          .join('; ')
      : v;
  const res = await fetch(url('/api/v1/nope'));
  await res.arrayBuffer();
  const rawAnswer = await raw(ui.port, 'GET * HTTP/1.1\r\nHost: localhost\r\n\r\n');
  assert.match(rawAnswer, /^HTTP\/1\.1 400/);
  for (const [name, value] of Object.entries(UI_SECURITY_HEADERS)) {
    assert.equal(normalize(name, res.headers.get(name) ?? ''), normalize(name, value), `${name} from helmet`);
    const line = new RegExp(`^${name}: (.*)$`, 'im').exec(rawAnswer);
    assert.equal(normalize(name, line?.[1]?.trim() ?? ''), normalize(name, value), `${name} on a raw answer`);
  }
});

test("a handler that throws gets a 500 with Storm's error document, is logged, and the UI keeps serving", async () => {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({
    component: 'ui',
    level: 'debug',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  const nimbus = new NimbusGateway({ candidates: ['127.0.0.1:1'], timeoutMs: 1000 });
  // A credential check with a bug: it throws a plain TypeError on every action.
  const authorize = () => {
    throw new TypeError('boom in a handler');
  };
  const { app } = await buildUiApp({
    log,
    routes: { nimbus, authorize, supervisors: new Map() },
    hostProblem: () => undefined,
    webRoot: web,
  });
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const res = await fetch(`${base}/api/v1/topology/wc/activate`, { method: 'POST' });
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), {
      error: 'Internal Server Error',
      errorMessage: 'internal error: boom in a handler',
    });
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.ok(
      lines.some(
        (l) => l.level === 50 && /unexpected failure serving a request: boom in a handler/.test(String(l.msg)),
      ),
      'logged as an error',
    );
    assert.equal((await fetch(`${base}/`)).status, 200);
  } finally {
    await app.close();
    nimbus.close();
  }
});

test('cross-origin POSTs are refused with 403 before the token is even checked; same-origin ones go on', async () => {
  const host = new URL(ui.url).host;
  const crossSite: Array<Record<string, string>> = [
    { origin: 'http://evil.example' },
    { origin: 'null' },
    { origin: `http://${host}.evil.example` },
    { origin: `https://${host.replace(/:\d+$/, '')}:1` },
    { 'sec-fetch-site': 'cross-site' },
    { 'sec-fetch-site': 'same-site', origin: `http://${host}` },
  ];
  for (const h of crossSite) {
    for (const auth of [{}, { authorization: 'Bearer s3cret' }] as Array<Record<string, string>>) {
      const res = await fetch(url('/api/v1/topology/wc/kill/0'), { method: 'POST', headers: { ...h, ...auth } });
      assert.equal(res.status, 403, JSON.stringify(h));
      assert.match(
        ((await res.json()) as { errorMessage: string }).errorMessage,
        /^refused a POST from (origin|another site)/,
      );
    }
  }
  // Same origin (what the web app's fetch sends), with the token: past the origin rule and the token, to nimbus (502).
  for (const h of [
    { origin: `http://${host}` },
    { 'sec-fetch-site': 'same-origin', origin: `http://${host}` },
    {},
  ] as Array<Record<string, string>>) {
    const res = await fetch(url('/api/v1/topology/wc/activate'), {
      method: 'POST',
      headers: { ...h, authorization: 'Bearer s3cret' },
    });
    assert.equal(res.status, 502, JSON.stringify(h));
  }
});

test('with a token set, worker logs need it; reads of status stay open', async () => {
  const log = await fetch(url('/api/v1/log?topologyId=wc-1-2&host=127.0.0.1&port=6700'));
  assert.equal(log.status, 401);
  assert.match(
    ((await log.json()) as { errorMessage: string }).errorMessage,
    /^reading a worker log needs the header Authorization: Bearer/,
  );
  const withToken = await fetch(url('/api/v1/log?topologyId=wc-1-2&host=127.0.0.1&port=6700'), {
    headers: { authorization: 'Bearer s3cret' },
  });
  assert.equal(withToken.status, 502, 'past the token: nimbus is asked');
  assert.equal((await fetch(url('/api/v1/topology/summary'))).status, 502, 'status reads are open: nimbus is asked');
});

test('with a token set, a tap needs it (tapped values are user data); its parameters are checked before nimbus is asked', async () => {
  const tap = '/api/v1/topology/wc/component/split/tap';
  const none = await fetch(url(`${tap}?sample=10`));
  assert.equal(none.status, 401);
  assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="squall"');
  assert.equal((await fetch(url(`${tap}?sample=10`), { headers: { authorization: 'Bearer wrong' } })).status, 401);
  const auth = { authorization: 'Bearer s3cret' };
  const bad: Array<[string, RegExp]> = [
    ['?sample=0', /'sample' must be a percentage in \(0, 100\], got '0'/],
    ['?sample=101', /'sample'/],
    ['?sample=abc', /'sample'/],
    ['?sample=1&sample=2', /'sample' given 2 times/],
    ['?stream=..%2Fx', /stream '\.\.\/x' is not a valid stream id/],
    ['?filter=word', /'filter' must be FIELD=VALUE/],
    ['?filter==x', /'filter' must be FIELD=VALUE/],
    [`?${Array.from({ length: 17 }, (_, i) => `filter=f${i}=1`).join('&')}`, /at most 16 filter/],
  ];
  for (const [q, re] of bad) {
    const res = await fetch(url(`${tap}${q}`), { headers: auth });
    assert.equal(res.status, 400, q);
    assert.match(((await res.json()) as { errorMessage: string }).errorMessage, re, q);
  }
  assert.equal((await fetch(url('/api/v1/topology/wc/component/..%2Fx/tap'), { headers: auth })).status, 400);
  const ok = await fetch(url(`${tap}?stream=default&sample=12.5&filter=word=the`), { headers: auth });
  assert.equal(ok.status, 502, 'past the checks: nimbus is asked');
  assert.match(((await ok.json()) as { errorMessage: string }).errorMessage, /127\.0\.0\.1:1/);
  assert.equal((await fetch(url(tap), { method: 'POST', headers: auth })).status, 405);
});

test('ids, windows and bodies are checked before nimbus is asked', async () => {
  const auth = { authorization: 'Bearer s3cret' };
  // (fetch resolves '..' and '%2E%2E' segments itself; the raw-socket test below sends one.)
  for (const p of [
    '/api/v1/topology/..%2F..%2Fetc',
    '/api/v1/topology/a%00b',
    `/api/v1/topology/${'a'.repeat(300)}`,
    '/api/v1/topology/wc/component/..%2Fx',
    '/api/v1/topology/%E0%A4%A',
  ]) {
    const res = await fetch(url(p));
    assert.equal(res.status, 400, p);
  }
  const logTraversal = await fetch(url('/api/v1/log?topologyId=..%2F..%2Fetc&host=127.0.0.1&port=6700'), {
    headers: auth,
  });
  assert.equal(logTraversal.status, 400);
  const badWindow = await fetch(url('/api/v1/topology/wc?window=7'));
  assert.equal(badWindow.status, 400);
  assert.equal(
    ((await badWindow.json()) as { errorMessage: string }).errorMessage,
    "window must be one of 600, 10800, 86400 (seconds) or :all-time, got '7'",
  );
  const proto = await fetch(url('/api/v1/topology/wc/rebalance/0'), {
    method: 'POST',
    headers: auth,
    body: '{"rebalanceOptions": {"executors": {"__proto__": {"x": 1}}}}',
  });
  assert.equal(proto.status, 400);
  assert.match(
    ((await proto.json()) as { errorMessage: string }).errorMessage,
    /rebalanceOptions\.executors\.__proto__: key '__proto__' is not allowed/,
  );
  const big = await fetch(url('/api/v1/topology/wc/rebalance/0'), {
    method: 'POST',
    headers: auth,
    body: `{"pad": "${'x'.repeat(100 * 1024)}"}`,
  });
  assert.equal(big.status, 413);
});

test('malformed requests over a raw socket get 4xx and the UI keeps serving', async () => {
  for (const [request, status] of [
    ['GET // HTTP/1.1\r\nHost: localhost\r\n\r\n', 200],
    ['GET * HTTP/1.1\r\nHost: localhost\r\n\r\n', 400],
    ['NONSENSE\r\n\r\n', 400],
    ['GET /api/v1/topology/%E0%A4%A HTTP/1.1\r\nHost: localhost\r\n\r\n', 400],
    ['GET /api/v1/topology/.. HTTP/1.1\r\nHost: localhost\r\n\r\n', 400],
    ['GET /api/v1/topology/../component/.. HTTP/1.1\r\nHost: localhost\r\n\r\n', 400],
    [`GET / HTTP/1.1\r\nHost: localhost\r\nCookie: ${'c'.repeat(40000)}\r\n\r\n`, 431],
  ] as const) {
    const answer = await raw(ui.port, request);
    assert.equal(
      Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]),
      status,
      `${request.slice(0, 40)} → ${answer.split('\r\n')[0]}`,
    );
    assert.match(answer, /^x-frame-options: DENY/im);
  }
  assert.equal((await fetch(url('/'))).status, 200);
});

test('without a token, cross-origin POSTs are still refused and same-origin ones reach nimbus', async () => {
  const open = await UiServer.create({
    conf: { 'ui.port': 0, 'nimbus.seeds': ['127.0.0.1:1'], 'ui.nimbus.timeout.secs': 5 },
    webRoot: web,
  });
  try {
    const host = new URL(open.url).host;
    const evil = await fetch(new URL('/api/v1/topology/wc/kill/0', open.url), {
      method: 'POST',
      headers: { origin: 'http://evil.example', 'content-type': 'text/plain' },
      body: '',
    });
    assert.equal(evil.status, 403);
    const same = await fetch(new URL('/api/v1/topology/wc/kill/0', open.url), {
      method: 'POST',
      headers: { origin: `http://${host}` },
    });
    assert.equal(same.status, 502);
    const log = await fetch(new URL('/api/v1/log?topologyId=wc-1-2&host=127.0.0.1&port=6700', open.url));
    assert.equal(log.status, 502, 'no token configured: logs are open, as before');
  } finally {
    await open.shutdown();
  }
});

test('DNS rebinding: a UI bound to loopback answers only loopback host names and ui.allowed.hosts', async () => {
  const get = (port: number, host: string) =>
    raw(port, `GET /api/v1/cluster/summary HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  const status = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
  for (const host of [
    'evil.example',
    `evil.example:${ui.port}`,
    `127.0.0.1.evil.example:${ui.port}`,
    `localhost.evil.example`,
    '[::2]',
  ]) {
    const answer = await get(ui.port, host);
    assert.equal(status(answer), 403, host);
    assert.match(answer, /refused a request for host/);
  }
  for (const host of [`127.0.0.1:${ui.port}`, `localhost:${ui.port}`, 'LOCALHOST', `[::1]:${ui.port}`, '127.0.0.2'])
    assert.equal(status(await get(ui.port, host)), 502, `${host}: past the check, to nimbus`);
  const named = await UiServer.create({
    conf: {
      'ui.port': 0,
      'nimbus.seeds': ['127.0.0.1:1'],
      'ui.nimbus.timeout.secs': 5,
      'ui.allowed.hosts': ['squall.example'],
    },
    webRoot: web,
  });
  try {
    assert.equal(status(await get(named.port, `Squall.Example:${named.port}`)), 502);
    assert.equal(status(await get(named.port, 'other.example')), 403);
  } finally {
    await named.shutdown();
  }
});
