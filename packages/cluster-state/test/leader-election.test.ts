import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextEvent, uniqueRoot, zooKeeperSuite } from './helpers';

describe('leader election', () => {
  const { open } = zooKeeperSuite();

  it('elects the first candidate and fails over when the leader goes away', async () => {
    const root = uniqueRoot();
    const nimbusA = await open(root);
    const nimbusB = await open(root);
    assert.equal(await nimbusA.getLeader(), null);

    const a = await nimbusA.joinLeaderElection('nimbus-a:6627');
    const b = await nimbusB.joinLeaderElection('nimbus-b:6627');
    assert.equal(a.isLeader(), true);
    assert.equal(b.isLeader(), false);
    assert.equal(await b.leaderAddress(), 'nimbus-a:6627');

    const deposedA = nextEvent<[string]>(a, 'deposed');
    const electedB = nextEvent(b, 'elected');
    await nimbusA.shutdown();
    await electedB;
    assert.match((await deposedA)[0], /shut down/);
    assert.equal(b.isLeader(), true);
    assert.equal(await nimbusB.getLeader(), 'nimbus-b:6627');
  });

  it('hands over on withdraw, and a withdrawn candidate stays out', async () => {
    const root = uniqueRoot();
    const states = [await open(root), await open(root), await open(root)];
    const candidates = [];
    for (const [i, state] of states.entries()) candidates.push(await state.joinLeaderElection(`nimbus-${i}:6627`));
    const [first, second, third] = candidates;
    assert.equal(first!.isLeader(), true);

    // Removing a middle candidate re-points the watch of the one behind it without electing it.
    await second!.withdraw();
    await second!.withdraw();
    assert.equal(third!.isLeader(), false);
    assert.equal(await states[2]!.getLeader(), 'nimbus-0:6627');

    const electedThird = nextEvent(third!, 'elected');
    await first!.withdraw();
    await electedThird;
    assert.equal(second!.isLeader(), false);
    assert.equal(await states[0]!.getLeader(), 'nimbus-2:6627');
    await third!.withdraw();
    assert.equal(await states[0]!.getLeader(), null);
  });
});
