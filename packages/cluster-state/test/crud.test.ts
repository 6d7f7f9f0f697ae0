import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createClient } from 'node-zookeeper-client';
import { InvalidDocumentError, VersionConflictError } from '../src';
import { assignment, componentError, nimbus, stormBase, supervisor } from './fixtures';
import { uniqueRoot, waitFor, zooKeeperSuite } from './helpers';

describe('cluster state: reads, compare-and-set writes, removal', () => {
  const { open, server: zk } = zooKeeperSuite();

  it('creates, reads, updates by version and rejects stale or duplicate writes', async () => {
    const state = await open(uniqueRoot());
    assert.equal(await state.getStorm('wc-1'), null);
    assert.equal(await state.putStorm('wc-1', stormBase(), 'absent'), 0);
    const read = await state.getStorm('wc-1');
    assert.deepEqual(read, { value: stormBase(), version: 0 });

    assert.equal(await state.putStorm('wc-1', stormBase({ status: 'INACTIVE' }), read!.version), 1);
    await assert.rejects(state.putStorm('wc-1', stormBase({ status: 'KILLED' }), read!.version), VersionConflictError);
    await assert.rejects(
      state.putStorm('wc-1', stormBase(), 'absent'),
      (e: unknown) => e instanceof VersionConflictError && e.expected === 'absent',
    );
    await assert.rejects(state.putStorm('missing', stormBase(), 3), VersionConflictError);
    assert.equal((await state.getStorm('wc-1'))!.value.status, 'INACTIVE');

    assert.equal(
      await state.putStorm('wc-1', stormBase({ status: 'REBALANCING', rebalance: { waitSecs: 5 } }), 'any'),
      2,
    );
    assert.equal(await state.putStorm('wc-2', stormBase(), 'any'), 0);
    assert.deepEqual(await state.listStormIds(), ['wc-1', 'wc-2']);
  });

  it('stores assignments and removes them only at the expected version', async () => {
    const state = await open(uniqueRoot());
    const version = await state.putAssignment('wc-1', assignment(), 'absent');
    assert.deepEqual((await state.getAssignment('wc-1'))?.value, assignment());
    await state.putAssignment('wc-1', assignment(6701), version);
    await assert.rejects(state.removeAssignment('wc-1', version), VersionConflictError);
    assert.equal(await state.removeAssignment('wc-1', version + 1), true);
    assert.equal(await state.removeAssignment('wc-1'), false);
    assert.deepEqual(await state.listAssignmentIds(), []);
  });

  it('removes a topology with its assignment and whole error subtree, idempotently', async () => {
    const state = await open(uniqueRoot());
    await state.putStorm('wc-1', stormBase(), 'absent');
    await state.putAssignment('wc-1', assignment(), 'absent');
    await state.reportError('wc-1', 'split', componentError(1));
    await state.reportError('wc-1', 'count', componentError(2));
    await state.putStorm('other', stormBase(), 'absent');
    await state.reportError('other', 'split', componentError(3));

    await state.removeTopology('wc-1');
    await state.removeTopology('wc-1');
    assert.equal(await state.getStorm('wc-1'), null);
    assert.equal(await state.getAssignment('wc-1'), null);
    assert.deepEqual(await state.getTopologyErrors('wc-1'), {});
    assert.deepEqual(Object.keys(await state.getTopologyErrors('other')), ['split']);
    assert.deepEqual(await state.listStormIds(), ['other']);
  });

  it('keeps the last N errors per component, even when reported concurrently', async () => {
    const state = await open(uniqueRoot());
    for (let n = 1; n <= 12; n++) await state.reportError('wc-1', 'split', componentError(n));
    const errors = await state.getErrors('wc-1', 'split');
    assert.deepEqual(
      errors.map((e) => e.message),
      Array.from({ length: 10 }, (_, i) => `boom ${i + 3}`),
    );

    const other = await open(state.paths.root);
    await Promise.all(
      Array.from({ length: 8 }, (_, n) => (n % 2 ? state : other).reportError('wc-2', 'a/b', componentError(n))),
    );
    const concurrent = await state.getTopologyErrors('wc-2');
    assert.deepEqual(Object.keys(concurrent), ['a/b']);
    assert.equal(concurrent['a/b']!.length, 8);

    await state.reportError('wc-3', 'big', { ...componentError(0), message: 'x'.repeat(100_000) });
    assert.equal((await state.getErrors('wc-3', 'big'))[0]!.message.length, 4096);
  });

  it('tracks nimbuses and blob replicas', async () => {
    const state = await open(uniqueRoot());
    await state.registerNimbus(nimbus(6627));
    await state.registerNimbus(nimbus(6628));
    assert.deepEqual(
      (await state.listNimbuses()).map((n) => n.port),
      [6627, 6628],
    );
    assert.equal(await state.unregisterNimbus('127.0.0.1:6628'), true);
    assert.equal(await state.unregisterNimbus('127.0.0.1:6628'), false);

    await state.advertiseBlob('wc-1', { nimbusId: '127.0.0.1:6627', digest: 'aa' });
    await state.advertiseBlob('wc-1', { nimbusId: '127.0.0.1:6628', digest: 'aa', sizeBytes: 10 });
    await state.advertiseBlob('wc-1', { nimbusId: '127.0.0.1:6628', digest: 'bb' });
    assert.deepEqual(await state.getBlobReplicas('wc-1'), [
      { nimbusId: '127.0.0.1:6627', digest: 'aa' },
      { nimbusId: '127.0.0.1:6628', digest: 'bb' },
    ]);
    assert.deepEqual(await state.listBlobKeys(), ['wc-1']);
    assert.equal(await state.withdrawBlob('wc-1', '127.0.0.1:6627'), true);
    await state.removeBlob('wc-1');
    await state.removeBlob('wc-1');
    assert.deepEqual(await state.listBlobKeys(), []);
  });

  it("removes a supervisor's ephemeral node when its client closes", async () => {
    const root = uniqueRoot();
    const supervisorSide = await open(root);
    const observer = await open(root);
    await supervisorSide.registerSupervisor(supervisor('sup-1'));
    await supervisorSide.registerSupervisor(supervisor('sup-1', [6700]));
    assert.deepEqual((await observer.getSupervisor('sup-1'))?.value.usedPorts, [6700]);
    assert.deepEqual(await observer.listSupervisorIds(), ['sup-1']);

    await supervisorSide.shutdown();
    // A graceful close ends the session at once; no need to wait for the session timeout.
    await waitFor(async () => (await observer.listSupervisorIds()).length === 0, 'supervisor node removal', 1500);
  });

  it('replaces a registration left by an older session of the same supervisor', async () => {
    const root = uniqueRoot();
    const old = await open(root);
    await old.registerSupervisor(supervisor('sup-1', [6700]));
    const restarted = await open(root);
    await restarted.registerSupervisor(supervisor('sup-1', [6701]));
    await old.shutdown();
    assert.deepEqual((await restarted.getSupervisor('sup-1'))?.value.usedPorts, [6701]);
  });

  it('refuses data it cannot read', async () => {
    const state = await open(uniqueRoot());
    const raw = createClient(zk().connectString);
    raw.connect();
    try {
      await new Promise<void>((resolve, reject) =>
        raw.create(state.paths.storm('junk'), Buffer.from('not json'), (e) => (e ? reject(e) : resolve())),
      );
    } finally {
      raw.close();
    }
    await assert.rejects(state.getStorm('junk'), InvalidDocumentError);
  });
});
