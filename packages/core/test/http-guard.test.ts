import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import {
  createGuardedServer,
  HttpRequestError,
  parseRequestTarget,
  readRequestBody,
  SECURITY_HEADERS,
  silentLogger,
} from '../src';

// A guarded server on a loopback port, attacked over raw sockets: every malformed, oversized, slow or failing request
// gets an error answer and the server keeps answering.

let server: Server;
let port = 0;

/** Writes `bytes` on a fresh connection and resolves with everything the server sends until it closes (or 5 s). */
function raw(bytes: string | Buffer, { endAfterWrite = false, waitMs = 5000 } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    }, waitMs);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', (err) => (chunks.length > 0 ? undefined : reject(err)));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(bytes, () => {
      if (endAfterWrite) socket.end();
    });
  });
}

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);

async function stillServing(): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/ok`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'ok');
}

before(async () => {
  server = createGuardedServer(
    async (req, res, { pathname, query }) => {
      if (pathname === '/ok') return void res.end('ok');
      if (pathname === '/throw') throw new Error('handler exploded');
      if (pathname === '/reject') return Promise.reject(new Error('handler rejected'));
      if (pathname === '/teapot') throw new HttpRequestError(418, 'short and stout');
      if (pathname === '/echo') return void res.end(`${pathname}?${query.toString()}`);
      if (pathname === '/body') return void res.end(String((await readRequestBody(req, 1024)).length));
      if (pathname === '/decode') return void res.end(decodeURIComponent(query.get('x') ?? ''));
      res.writeHead(404);
      res.end();
    },
    { name: 'test', logger: silentLogger(), requestTimeoutMs: 1500, headersTimeoutMs: 1000 },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test('request targets: paths and absolute URLs parse; //, * and garbage are 400, never an exception', () => {
  assert.equal(parseRequestTarget('/a/b?x=1&y=%zz').pathname, '/a/b');
  assert.equal(parseRequestTarget('/a/b?x=1&y=%zz').query.get('y'), '%zz');
  assert.equal(parseRequestTarget('//').pathname, '//');
  assert.equal(parseRequestTarget('//evil.example/x').pathname, '//evil.example/x', 'a path, not a host');
  assert.equal(parseRequestTarget('http://h:1/m?q=2').pathname, '/m');
  for (const bad of ['*', 'example.com:443', '', undefined, 'http://[::1', 'javascript:alert(1)'])
    assert.throws(
      () => parseRequestTarget(bad),
      (e: unknown) => e instanceof HttpRequestError && e.status === 400 && /malformed request target/.test(e.message),
      String(bad),
    );
});

test('malformed request lines and targets get 4xx with the security headers; the server stays up', async () => {
  const answers: Array<[string, number]> = [
    ['GET // HTTP/1.1\r\nHost: x\r\n\r\n', 404],
    ['GET * HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['GET http://[::1 HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['GARBAGE\r\n\r\n', 400],
    ['GET /ok HTTP/9.9\r\nHost: x\r\n\r\n', 400],
    ['GET /ok HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n', 400],
    ['GET /o\u0000k HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['GET /echo?%zz=%%% HTTP/1.1\r\nHost: x\r\n\r\n', 200],
    ['GET /decode?x=%E0%A4%A HTTP/1.1\r\nHost: x\r\n\r\n', 500],
    ['GET /ok HTTP/1.1\r\n\r\n', 400],
    ['GET /ok HTTP/1.0\r\n\r\n', 200],
  ];
  for (const [request, status] of answers) {
    const answer = await raw(request, { waitMs: 3000 });
    assert.equal(statusOf(answer), status, `${JSON.stringify(request)} → ${answer.split('\r\n')[0]}`);
    if (status !== 200)
      for (const h of Object.keys(SECURITY_HEADERS))
        assert.match(answer, new RegExp(`^${h}: `, 'mi'), `${h} on ${JSON.stringify(request)}`);
    await stillServing();
  }
});

test('handler exceptions and rejections are 500 (or their status); huge heads are 431', async () => {
  for (const [p, status, text] of [
    ['/throw', 500, /internal error: handler exploded/],
    ['/reject', 500, /handler rejected/],
    ['/teapot', 418, /short and stout/],
  ] as const) {
    const res = await fetch(`http://127.0.0.1:${port}${p}`);
    assert.equal(res.status, status, p);
    assert.match(await res.text(), text);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  }
  const huge = await raw(`GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
  assert.equal(statusOf(huge), 431);
  const longLine = await raw(`GET /${'a'.repeat(64 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`);
  assert.equal(statusOf(longLine), 431);
  await stillServing();
});

test('bodies: a declared or streamed body over the limit is 413; a slow body or head is cut off with 408', async () => {
  const declared = await raw(`POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n`, { waitMs: 3000 });
  assert.equal(statusOf(declared), 413);
  const chunk = 'a'.repeat(600);
  const streamed = await raw(
    `POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n${chunk}\r\n258\r\n${chunk}\r\n0\r\n\r\n`,
    { waitMs: 3000 },
  );
  assert.equal(statusOf(streamed), 413);
  const ok = await fetch(`http://127.0.0.1:${port}/body`, { method: 'POST', body: 'x'.repeat(1000) });
  assert.equal(await ok.text(), '1000');

  const t0 = Date.now();
  const slowBody = await raw(`POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly a few bytes`, {
    waitMs: 8000,
  });
  assert.equal(statusOf(slowBody), 408, slowBody);
  assert.ok(Date.now() - t0 < 6000, 'cut off within the request timeout and the check period');
  const slowHead = await raw('GET /ok HTTP/1.1\r\nHost: x\r\n', { waitMs: 8000 });
  assert.equal(statusOf(slowHead), 408, slowHead);
  // A client that sends half a body and hangs up.
  const aborted = await raw(`POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc`, {
    endAfterWrite: true,
    waitMs: 3000,
  });
  assert.ok(aborted === '' || statusOf(aborted) >= 400, aborted);
  await stillServing();
});
