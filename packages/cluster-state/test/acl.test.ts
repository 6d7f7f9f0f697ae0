import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { createClient, Exception, type Client } from 'node-zookeeper-client';
import { digestIdentity, NotAuthorizedError, type ZkClusterState, type ZooKeeperServer } from '../src';
import { stormBase } from './fixtures';
import { connect, startZooKeeper, uniqueRoot } from './helpers';

const auth = { scheme: 'digest', secret: 's3cret' } as const;

function codeOf<T>(call: (callback: (error: unknown, value?: T) => void) => void): Promise<number> {
  return new Promise((resolve) => call((error) => resolve((error as { getCode?: () => number })?.getCode?.() ?? 0)));
}

describe('digest ACLs', () => {
  let server: ZooKeeperServer;
  let raw: Client;
  const opened: ZkClusterState[] = [];
  before(async () => {
    server = await startZooKeeper();
    raw = createClient(server.connectString);
    await new Promise<void>((resolve) => {
      raw.once('connected', resolve);
      raw.connect();
    });
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((state) => state.shutdown()));
  });
  after(async () => {
    raw?.close();
    await server?.shutdown();
  });

  it('lets only holders of the secret read or write Squall nodes', async () => {
    const root = uniqueRoot();
    const state = await connect(server, { root, auth });
    opened.push(state);
    await state.putStorm('wc-1', stormBase(), 'absent');
    await state.registerSupervisor({
      id: 's',
      host: 'h',
      ports: [1],
      usedPorts: [],
      startTimeMs: 1,
      softwareVersion: 'v',
    });

    const authed = createClient(server.connectString);
    authed.addAuthInfo('digest', Buffer.from(`squall:${auth.secret}`));
    // Requests queued before the connection is up would overtake the auth packet, so wait for it.
    await new Promise<void>((resolve) => {
      authed.once('connected', resolve);
      authed.connect();
    });
    try {
      for (const path of [root, state.paths.storm('wc-1'), state.paths.supervisor('s')]) {
        const acl = await new Promise<Array<{ permission: number; id: { scheme: string; id: string } }>>(
          (resolve, reject) => authed.getACL(path, (e, acls) => (e ? reject(e) : resolve(acls as never))),
        );
        assert.deepEqual(
          acl.map((a) => `${a.id.scheme}:${a.id.id}:${a.permission}`),
          [`digest:${digestIdentity(auth)}:31`],
        );
      }
    } finally {
      authed.close();
    }

    // A client without the secret can neither read nor write anything of Squall's.
    assert.equal(await codeOf((cb) => raw.getData(root, cb)), Exception.NO_AUTH);
    assert.equal(await codeOf((cb) => raw.getACL(root, cb)), Exception.NO_AUTH);
    assert.equal(await codeOf((cb) => raw.getChildren(root, cb)), Exception.NO_AUTH);
    assert.equal(await codeOf((cb) => raw.getData(state.paths.storm('wc-1'), cb)), Exception.NO_AUTH);
    assert.equal(await codeOf((cb) => raw.getData(state.paths.supervisor('s'), cb)), Exception.NO_AUTH);
    assert.equal(
      await codeOf((cb) => raw.setData(state.paths.storm('wc-1'), Buffer.from('{}'), cb)),
      Exception.NO_AUTH,
    );
    assert.equal(await codeOf((cb) => raw.create(`${state.paths.storms}/intruder`, cb)), Exception.NO_AUTH);
    assert.equal(await codeOf((cb) => raw.remove(state.paths.storm('wc-1'), cb)), Exception.NO_AUTH);

    // Nor can a Squall process configured without it, or with another one.
    await assert.rejects(connect(server, { root }), NotAuthorizedError);
    await assert.rejects(connect(server, { root, auth: { scheme: 'digest', secret: 'wrong' } }), NotAuthorizedError);

    // Another process with the secret reads everything.
    const peer = await connect(server, { root, auth });
    opened.push(peer);
    assert.equal((await peer.getStorm('wc-1'))?.value.name, 'wordcount');
    assert.deepEqual(await peer.listSupervisorIds(), ['s']);
  });
});
