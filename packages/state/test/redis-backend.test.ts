import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { stateProviderChoice } from '@squall/api';
import { Redis } from 'ioredis';
import { createStateProvider, MemoryStateProvider, RedisServer, RedisStateError, RedisStateProvider } from '../src';
import { TOMBSTONE } from '../src/redis-scripts';
import { backendContract } from './backend-contract';
import { uniqueNamespace } from './helpers';

describe('Redis state store', { timeout: 120_000 }, () => {
  let server: RedisServer;
  let raw: Redis;
  before(async () => {
    server = await RedisServer.start();
    raw = new Redis({ host: server.host, port: server.port, lazyConnect: true, maxRetriesPerRequest: 1 });
    await raw.connect();
  });
  after(async () => {
    raw?.disconnect();
    await server?.shutdown();
  });

  backendContract('redis', () => new RedisStateProvider(server.stateOptions()));
  // The same again with a key prefix and another database, as a cluster sharing one Redis would configure it.
  backendContract(
    'redis with keyPrefix and database 5',
    () => new RedisStateProvider(server.stateOptions({ keyPrefix: 'squall:', database: 5 })),
  );

  it("keeps Storm's key layout: committed hash, $prepare hash with 0xFF tombstones, $txid hash", async () => {
    const ns = uniqueNamespace('layout');
    const provider = new RedisStateProvider(server.stateOptions({ keyPrefix: 'pfx:' }));
    try {
      const b = await provider.open(ns);
      await b.prepare(
        6,
        new Map([
          ['"a"', '1'],
          ['"b"', '2'],
        ]),
      );
      await b.commit(6);
      await b.prepare(
        7,
        new Map([
          ['"a"', null],
          ['"c"', '"ÿ"'],
        ]),
      );
      const key = `pfx:${ns}`;
      assert.deepEqual(await raw.hgetall(key), { '"a"': '1', '"b"': '2' });
      assert.deepEqual(await raw.hgetall(`${key}$txid`), { commit: '6', prepare: '7' });
      const prepared = await raw.hgetallBuffer(`${key}$prepare`);
      assert.deepEqual(prepared['"a"'], TOMBSTONE);
      assert.deepEqual(prepared['"a"'], Buffer.from([0xff]));
      assert.equal(prepared['"c"'].toString('utf8'), '"ÿ"');
      await b.commit(7);
      assert.deepEqual(await raw.hgetall(key), { '"b"': '2', '"c"': '"ÿ"' });
      assert.deepEqual(await raw.hgetall(`${key}$txid`), { commit: '7' });
      assert.equal(await raw.exists(`${key}$prepare`), 0);
      assert.equal(await raw.exists(ns), 0, 'nothing written without the prefix');
      await b.prepare(8, new Map([['"b"', '3']]));
      await b.rollback();
      assert.equal(await raw.exists(`${key}$prepare`), 0);
      assert.deepEqual(await raw.hgetall(`${key}$txid`), { commit: '7' });
    } finally {
      await provider.close();
    }
  });

  it('writes to the configured database only', async () => {
    const ns = uniqueNamespace('db');
    const provider = new RedisStateProvider(server.stateOptions({ database: 3 }));
    const other = new Redis({ host: server.host, port: server.port, db: 3, lazyConnect: true });
    try {
      const b = await provider.open(ns);
      await b.prepare(1, new Map([['"a"', '1']]));
      await b.commit(1);
      assert.equal(await raw.exists(ns), 0);
      await other.connect();
      assert.deepEqual(await other.hgetall(ns), { '"a"': '1' });
    } finally {
      other.disconnect();
      await provider.close();
    }
  });

  it('refuses namespaces that could share keys with another, and strings UTF-8 cannot hold, naming them', async () => {
    const provider = new RedisStateProvider(server.stateOptions());
    try {
      for (const ns of ['', 'a$prepare', 'a$txid', 'bad\uD800'])
        await assert.rejects(
          provider.open(ns),
          (err: Error) =>
            err instanceof RedisStateError &&
            err.message.includes('invalid namespace') &&
            err.message.includes(`127.0.0.1:${server.port}`),
        );
      const ns = uniqueNamespace('surrogate');
      const b = await provider.open(ns);
      await assert.rejects(
        b.prepare(1, new Map([['"k"', '"\uDC00"']])),
        /namespace .*prepare failed: key "\\"k\\"" or its value is not valid Unicode/,
      );
      await assert.rejects(b.prepare(-1, new Map()), /txid must be a non-negative safe integer, got -1/);
      await assert.rejects(b.commit(1.5), /txid must be a non-negative safe integer, got 1.5/);
      assert.equal(await raw.exists(`${ns}$txid`), 0, 'a refused prepare writes nothing');
    } finally {
      await provider.close();
    }
  });

  it('a closed provider refuses calls, naming the address and namespace', async () => {
    const provider = new RedisStateProvider(server.stateOptions());
    const ns = uniqueNamespace('closed');
    const b = await provider.open(ns);
    await b.load();
    await provider.close();
    await provider.close();
    await assert.rejects(
      b.load(),
      (err: Error) =>
        err instanceof RedisStateError &&
        err.message.includes(`127.0.0.1:${server.port}`) &&
        err.message.includes(JSON.stringify(ns)),
    );
    await assert.rejects(provider.open(ns), /provider is closed/);
  });

  it('createStateProvider makes the provider a topology config asks for', async () => {
    const memory = createStateProvider(
      stateProviderChoice({ 'topology.state.provider': 'org.apache.storm.state.InMemoryKeyValueStateProvider' }),
    );
    assert.ok(memory instanceof MemoryStateProvider);
    assert.equal(memory.name, 'memory');
    const conf = {
      'topology.state.provider': 'redis',
      'topology.state.provider.config': JSON.stringify({
        host: '127.0.0.1',
        port: server.port,
        keyPrefix: 'cfg:',
        timeout: 1500,
      }),
    };
    const redis = createStateProvider(stateProviderChoice(conf));
    try {
      assert.ok(redis instanceof RedisStateProvider);
      assert.equal(redis.name, 'redis');
      const ns = uniqueNamespace('cfg');
      const b = await redis.open(ns);
      await b.prepare(1, new Map([['"x"', '1']]));
      await b.commit(1);
      assert.deepEqual(await raw.hgetall(`cfg:${ns}`), { '"x"': '1' });
    } finally {
      await redis.close();
      await memory.close();
    }
  });
});
