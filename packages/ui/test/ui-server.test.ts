import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
  ui = await UiServer.create({ conf: { 'ui.port': 0, 'nimbus.seeds': ['127.0.0.1:1'], 'nimbus.auth.token': 's3cret', 'ui.nimbus.timeout.secs': 5 }, webRoot: web });
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
  assert.deepEqual(await none.json(), { error: 'Unauthorized', errorMessage: 'this action needs the header Authorization: Bearer <nimbus.auth.token>' });
  const wrong = await fetch(url('/api/v1/topology/wc/kill/0'), { method: 'POST', headers: { authorization: 'Bearer s3cre' } });
  assert.equal(wrong.status, 401);
  const basic = await fetch(url('/api/v1/topology/wc/deactivate'), { method: 'POST', headers: { authorization: 'Basic s3cret' } });
  assert.equal(basic.status, 401);
  const right = await fetch(url('/api/v1/topology/wc/activate'), { method: 'POST', headers: { authorization: 'bearer s3cret' } });
  assert.equal(right.status, 502);
  const badWait = await fetch(url('/api/v1/topology/wc/kill/later'), { method: 'POST', headers: { authorization: 'Bearer s3cret' } });
  assert.equal(badWait.status, 400);
});

test('routing errors: unknown API path 404, wrong method 405, bad log parameters 400', async () => {
  assert.equal((await fetch(url('/api/v1/nope'))).status, 404);
  assert.equal((await fetch(url('/api/v1/topology/summary'), { method: 'POST' })).status, 405);
  assert.equal((await fetch(url('/api/v1/topology/wc/activate'))).status, 405);
  const log = await fetch(url('/api/v1/log?topologyId=t&host=h&port=abc'), { headers: { authorization: 'Bearer s3cret' } });
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
    assert.ok(res.status === 404 || body === '<!doctype html><title>Squall</title>', `${p}: ${res.status} ${body.slice(0, 40)}`);
  }
  const head = await fetch(url('/'), { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
});
