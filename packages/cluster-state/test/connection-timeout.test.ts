import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { ZkClusterState, ZooKeeperUnavailableError, zookeeperSettings } from '../src';
import { testLogger } from './helpers';

test('storm.zookeeper.connection.timeout bounds each attempt: a peer that accepts and never answers is retried', async () => {
  // A hostile "ZooKeeper": it accepts the TCP connection (so the probe passes) and never answers the handshake.
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  let accepted = 0;
  silent.on('connection', () => accepted++);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as net.AddressInfo).port;
  try {
    const zk = zookeeperSettings({
      'storm.zookeeper.servers': ['127.0.0.1'],
      'storm.zookeeper.port': port,
      'storm.zookeeper.connection.timeout': 200,
    });
    assert.equal(zk.connectString, `127.0.0.1:${port}`);
    assert.equal(zk.connectionTimeoutMs, 200);
    let attempts = 0;
    await assert.rejects(
      ZkClusterState.create({
        connectString: zk.connectString,
        sessionTimeoutMs: zk.sessionTimeoutMs,
        attemptTimeoutMs: zk.connectionTimeoutMs,
        connectTimeoutMs: 3000,
        retry: { initialDelayMs: 50, maxDelayMs: 100 },
        logger: testLogger(),
      }),
      (err: unknown) => {
        const m = err instanceof ZooKeeperUnavailableError ? /\((\d+) attempts\)/.exec(err.message) : null;
        attempts = Number(m?.[1] ?? 0);
        return m !== null;
      },
    );
    // Waiting out the session timeout (20 s) per attempt, as before the key was read, would leave one attempt.
    assert.ok(attempts >= 3, `${attempts} attempts in 3 s with a 200 ms connection timeout`);
    assert.ok(accepted >= 3, `the silent peer saw ${accepted} handshakes`);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});

test('zookeeperSettings: defaults from the key table, a server may carry its own port, an empty secret is no secret', () => {
  const d = zookeeperSettings({});
  assert.deepEqual(d, {
    connectString: 'localhost:2181',
    root: '/squall',
    sessionTimeoutMs: 20000,
    connectionTimeoutMs: 15000,
    authSecret: undefined,
  });
  const s = zookeeperSettings({
    'storm.zookeeper.servers': ['a', 'b:2182'],
    'storm.zookeeper.port': 2190,
    'storm.zookeeper.auth.secret': '',
  });
  assert.equal(s.connectString, 'a:2190,b:2182');
  assert.equal(s.authSecret, undefined);
  assert.throws(
    () => zookeeperSettings({ 'storm.zookeeper.connection.timeout': '15s' }),
    /storm\.zookeeper\.connection\.timeout must be an integer/,
  );
});
