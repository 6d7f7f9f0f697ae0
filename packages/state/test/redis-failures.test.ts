import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, afterEach, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import type { Logger } from '@squall/core';
import { Redis } from 'ioredis';
import { RedisNotInstalledError, RedisServer, RedisStateError, RedisStateProvider, type StateBackend } from '../src';
import { findFreePort } from '../src/loopback';
import { capturingLogger, uniqueNamespace, waitFor } from './helpers';

const PASSWORD = 'pässword with "quotes" and spaces';

/** The error and every way it could be printed or logged, to check that none holds the password. */
function everyRendering(err: unknown): string {
  const e = err as Error & { cause?: unknown };
  return [
    e.message,
    e.stack,
    inspect(e, { depth: 10, showHidden: true }),
    JSON.stringify(e),
    JSON.stringify(e.cause),
    inspect(e.cause, { depth: 10, showHidden: true }),
  ].join('\n');
}

describe('Redis state store failures', { timeout: 120_000 }, () => {
  let server: RedisServer;
  const providers: RedisStateProvider[] = [];
  const provider = (
    overrides: Parameters<RedisServer['stateOptions']>[0] = {},
    logger?: Logger,
  ): RedisStateProvider => {
    const p = new RedisStateProvider(server.stateOptions(overrides), { logger });
    providers.push(p);
    return p;
  };
  before(async () => {
    server = await RedisServer.start({ password: PASSWORD, appendonly: true });
  });
  afterEach(async () => {
    await Promise.all(providers.splice(0).map((p) => p.close()));
  });
  after(async () => {
    await server?.shutdown();
  });

  it('the server listens on loopback only, in protected mode, with the password from a private config file', async () => {
    const client = new Redis({ host: server.host, port: server.port, password: PASSWORD, lazyConnect: true });
    try {
      await client.connect();
      assert.deepEqual(await client.config('GET', 'bind'), ['bind', '127.0.0.1']);
      assert.deepEqual(await client.config('GET', 'protected-mode'), ['protected-mode', 'yes']);
      assert.deepEqual(await client.config('GET', 'appendonly'), ['appendonly', 'yes']);
    } finally {
      client.disconnect();
    }
    assert.equal(fs.statSync(`${server.dir}/redis.conf`).mode & 0o077, 0);
    assert.ok(!fs.readFileSync(server.logFile, 'utf8').includes(PASSWORD));
  });

  it('a missing or wrong password fails each call with a clear error naming the address, and never shows the password', async () => {
    const { logger, lines } = capturingLogger();
    const address = `127.0.0.1:${server.port}`;
    const ns = uniqueNamespace('auth');
    const noPassword = await provider({ password: undefined, timeoutMs: 1000 }, logger).open(ns);
    const noPasswordError = await noPassword.load().then(
      () => assert.fail('load without a password succeeded'),
      (err: unknown) => err,
    );
    assert.ok(noPasswordError instanceof RedisStateError);
    assert.match(
      noPasswordError.message,
      new RegExp(`Redis state store at ${address} db 0, namespace "${ns}": load failed: NOAUTH .*set 'password'`),
    );

    const wrong = await provider({ password: 'not-the-password', timeoutMs: 1000 }, logger).open(ns);
    const wrongError = await wrong.prepare(1, new Map([['"a"', '1']])).then(
      () => assert.fail('prepare with a wrong password succeeded'),
      (err: unknown) => err,
    );
    assert.ok(wrongError instanceof RedisStateError);
    assert.match(
      wrongError.message,
      new RegExp(
        `Redis state store at ${address} db 0, namespace "${ns}": prepare failed: WRONGPASS .*password .* was refused`,
      ),
    );
    assert.ok(!everyRendering(wrongError).includes('not-the-password'), 'the refused password is not in the error');
    assert.ok(!lines.join('').includes('not-the-password'), 'the refused password is not logged');
    assert.ok(
      lines.some((l) => l.includes('Redis state store unreachable')),
      `a warning was logged: ${lines.join('')}`,
    );

    const right = await provider({}, logger).open(ns);
    await right.prepare(1, new Map([['"a"', '1']]));
    await right.commit(1);
    assert.equal((await right.load()).committed.get('"a"'), '1');
    assert.ok(!lines.join('').includes(PASSWORD), 'the password is never logged');
  });

  it('a stopped Redis makes calls reject (never hang), the process survives, and restarted with its append-only file it has the committed state', async () => {
    const { logger, lines } = capturingLogger();
    const ns = uniqueNamespace('restart');
    const p = provider({ timeoutMs: 500 }, logger);
    const b = await p.open(ns);
    await b.prepare(
      1,
      new Map([
        ['"a"', '"kept"'],
        ['"b"', '"kept"'],
      ]),
    );
    await b.commit(1);
    await b.prepare(
      2,
      new Map([
        ['"b"', null],
        ['"c"', '"pending"'],
      ]),
    );
    await server.stop();

    const calls: [string, (s: StateBackend) => Promise<unknown>][] = [
      ['load', (s) => s.load()],
      ['prepare', (s) => s.prepare(3, new Map([['"x"', '1']]))],
      ['commit', (s) => s.commit(2)],
      ['rollback', (s) => s.rollback()],
    ];
    for (const [what, call] of calls) {
      await assert.rejects(call(b), (err: Error) => {
        assert.ok(err instanceof RedisStateError, `${what}: ${inspect(err)}`);
        assert.match(
          err.message,
          new RegExp(`^Redis state store at 127\\.0\\.0\\.1:${server.port} db 0, namespace "${ns}": ${what} failed: `),
        );
        assert.ok(!everyRendering(err).includes(PASSWORD));
        return true;
      });
    }
    // A provider opened while Redis is down fails the same way.
    await assert.rejects((await provider({ timeoutMs: 500 }).open(ns)).load(), /load failed/);
    assert.ok(lines.some((l) => l.includes('Redis state store unreachable')));
    assert.ok(!lines.join('').includes(PASSWORD));

    // Calls made while Redis was away were never sent, then or later: the restarted server (append-only file) has
    // exactly what was committed and prepared before the stop.
    await server.restart();
    await waitFor('the provider to reconnect', async () => {
      try {
        await b.load();
        return true;
      } catch {
        return false;
      }
    });
    assert.ok(
      lines.some((l) => l.includes('Redis state store reachable again')),
      lines.join(''),
    );
    const loaded = await (await provider().open(ns)).load();
    assert.equal(loaded.committedTxid, 1);
    assert.deepEqual([...loaded.committed].sort(), [
      ['"a"', '"kept"'],
      ['"b"', '"kept"'],
    ]);
    assert.equal(loaded.prepared?.txid, 2);
    assert.deepEqual([...(loaded.prepared?.changes ?? [])].sort(), [
      ['"b"', null],
      ['"c"', '"pending"'],
    ]);
    await b.commit(2);
    assert.deepEqual([...(await b.load()).committed].sort(), [
      ['"a"', '"kept"'],
      ['"c"', '"pending"'],
    ]);
  });

  it('committed and prepared state survive a clean restart (append-only file)', async () => {
    const ns = uniqueNamespace('aof');
    const b = await provider().open(ns);
    await b.prepare(
      1,
      new Map([
        ['"a"', '1'],
        ['"b"', '2'],
      ]),
    );
    await b.commit(1);
    await b.prepare(
      2,
      new Map([
        ['"a"', null],
        ['"c"', '3'],
      ]),
    );
    await server.restart();
    const loaded = await (await provider().open(ns)).load();
    assert.equal(loaded.committedTxid, 1);
    assert.deepEqual([...loaded.committed].sort(), [
      ['"a"', '1'],
      ['"b"', '2'],
    ]);
    assert.equal(loaded.prepared?.txid, 2);
    assert.deepEqual([...(loaded.prepared?.changes ?? [])].sort(), [
      ['"a"', null],
      ['"c"', '3'],
    ]);
  });

  it('nothing listening at the address: calls reject naming it, and close() still returns', async () => {
    const port = await findFreePort();
    const p = new RedisStateProvider({
      host: '127.0.0.1',
      port,
      password: PASSWORD,
      database: 0,
      timeoutMs: 300,
      keyPrefix: '',
    });
    try {
      const b = await p.open('ns');
      await assert.rejects(
        b.load(),
        new RegExp(`^RedisStateError: Redis state store at 127\\.0\\.0\\.1:${port} db 0, namespace "ns": load failed`),
      );
      await assert.rejects(b.commit(1), /commit failed/);
    } finally {
      await p.close();
    }
  });

  it('close() rejects the calls still waiting for a connection at once', { timeout: 20_000 }, async () => {
    const port = await findFreePort();
    // A timeout far beyond the test's own: only close() can end the wait in time.
    const p = new RedisStateProvider({
      host: '127.0.0.1',
      port,
      password: undefined,
      database: 0,
      timeoutMs: 600_000,
      keyPrefix: '',
    });
    const b = await p.open('ns');
    const waiting = b.load();
    await new Promise((r) => setTimeout(r, 100));
    await p.close();
    await assert.rejects(waiting, /namespace "ns": load failed: provider is closed/);
  });
});

describe('RedisServer', { timeout: 60_000 }, () => {
  it('names the package to install when redis-server is missing', async () => {
    await assert.rejects(RedisServer.start({ redisServerPath: '/nonexistent/redis-server' }), (err: Error) => {
      assert.ok(err instanceof RedisNotInstalledError);
      assert.match(
        err.message,
        /redis-server not found at \/nonexistent\/redis-server: install it with `apt-get install -y redis-server`/,
      );
      assert.ok(!err.message.includes('\n'));
      return true;
    });
  });

  it('stop() ends the process and frees the port; shutdown() removes its temp dir', async () => {
    const server = await RedisServer.start({ appendonly: false });
    const pid = server.pid;
    assert.ok(pid);
    await server.stop();
    assert.equal(server.isRunning(), false);
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
    assert.ok(fs.existsSync(server.dir));
    await server.shutdown();
    assert.equal(fs.existsSync(server.dir), false);
    await server.shutdown();
  });
});
