import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Assignment, SupervisorInfo } from '../src';
import { assignment, supervisor } from './fixtures';
import { SnapshotRecorder, uniqueRoot, zooKeeperSuite } from './helpers';

describe('watches', () => {
  const { open } = zooKeeperSuite();

  it('deliver the full set on create, change and delete, and keep firing', async () => {
    const root = uniqueRoot();
    const watcher = await open(root);
    const writer = await open(root);
    const recorder = new SnapshotRecorder<Assignment>();
    const subscription = watcher.watchAssignments(recorder.listener);
    await recorder.until((s) => s.size === 0, 'the initial empty snapshot');

    // Several rounds: a one-shot watch that was not re-armed would miss everything after the first event.
    for (let round = 0; round < 4; round++) {
      const id = `t-${round}`;
      let version = await writer.putAssignment(id, assignment(6700), 'absent');
      await recorder.until((s) => s.get(id)?.value.workers[0]?.port === 6700, `${id} created`);
      version = await writer.putAssignment(id, assignment(6701), version);
      const changed = await recorder.until((s) => s.get(id)?.value.workers[0]?.port === 6701, `${id} changed`);
      assert.equal(changed.get(id)?.version, version);
      assert.equal(changed.size, round + 1);
    }
    await writer.removeTopology('t-0');
    await recorder.until((s) => !s.has('t-0') && s.size === 3, 't-0 deleted');

    subscription.close();
    const count = recorder.snapshots.length;
    await writer.putAssignment('after-close', assignment(), 'absent');
    // Read back through the writer so the change is surely committed; the closed watch must stay silent.
    await writer.getAssignment('after-close');
    await writer.listAssignmentIds();
    assert.equal(recorder.snapshots.length, count);
  });

  it('show supervisors joining, updating their slots and leaving', async () => {
    const root = uniqueRoot();
    const nimbus = await open(root);
    const recorder = new SnapshotRecorder<SupervisorInfo>();
    nimbus.watchSupervisors(recorder.listener);
    await recorder.until((s) => s.size === 0, 'the initial empty snapshot');

    const sup1 = await open(root);
    const sup2 = await open(root);
    await sup1.registerSupervisor(supervisor('sup-1'));
    await sup2.registerSupervisor(supervisor('sup-2'));
    await recorder.until((s) => s.size === 2, 'both supervisors');
    await sup1.registerSupervisor(supervisor('sup-1', [6700]));
    await recorder.until((s) => s.get('sup-1')?.value.usedPorts[0] === 6700, 'slot use');
    await sup2.shutdown();
    const last = await recorder.until((s) => s.size === 1, 'sup-2 leaving');
    assert.deepEqual([...last.keys()], ['sup-1']);
  });

  it('give every storm watcher its own deliveries', async () => {
    const root = uniqueRoot();
    const state = await open(root);
    const first = new SnapshotRecorder();
    const second = new SnapshotRecorder();
    state.watchStorms(first.listener);
    state.watchStorms(second.listener);
    await state.putStorm(
      'wc',
      {
        name: 'wc',
        status: 'ACTIVE',
        owner: 'a',
        launchTimeSecs: 1,
        numWorkers: 1,
        componentExecutors: {},
        packageDigest: 'd',
      },
      'absent',
    );
    await first.until((s) => s.has('wc'), 'first watcher');
    await second.until((s) => s.has('wc'), 'second watcher');
  });
});
