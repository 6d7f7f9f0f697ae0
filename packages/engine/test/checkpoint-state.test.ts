import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ASYNC_SPOUT, type AsyncSpoutHooks, type SpoutOutputCollector, type TopologyContext } from '@squall/api';
import { ManualClock, silentLogger } from '@squall/core';
import { MemoryStateProvider } from '@squall/state';
import { CheckpointState, type CheckpointPhase } from '../src/state/checkpoint-state';
import { CheckpointSpout } from '../src/state/checkpoint-spout';

test("checkpoint state transitions are Storm's CheckPointState table", () => {
  const rows: Array<[CheckpointPhase, number, boolean, CheckpointPhase, number, string]> = [
    // phase, txid, recovering -> next phase, next txid, action sent in this state
    ['COMMITTED', 5, false, 'PREPARING', 6, 'PREPARE'],
    ['COMMITTED', 5, true, 'COMMITTED', 5, 'INITSTATE'],
    ['PREPARING', 6, false, 'COMMITTING', 6, 'PREPARE'],
    ['PREPARING', 6, true, 'COMMITTED', 5, 'ROLLBACK'],
    ['COMMITTING', 6, false, 'COMMITTED', 6, 'COMMIT'],
    ['COMMITTING', 6, true, 'COMMITTED', 6, 'COMMIT'],
  ];
  for (const [phase, txid, recovering, nextPhase, nextTxid, action] of rows) {
    const s = new CheckpointState(txid, phase);
    const where = `${phase}(${txid}) recovering=${recovering}`;
    assert.deepEqual(s.nextState(recovering).toJSON(), { txid: nextTxid, state: nextPhase }, where);
    assert.equal(s.nextAction(recovering), action, where);
  }
  assert.deepEqual(CheckpointState.fromJSON({ txid: 3, state: 'COMMITTING' })?.toJSON(), {
    txid: 3,
    state: 'COMMITTING',
  });
  for (const bad of [
    null,
    3,
    { txid: -2, state: 'COMMITTED' },
    { txid: 1, state: 'DONE' },
    { txid: 1.5, state: 'COMMITTED' },
  ])
    assert.equal(CheckpointState.fromJSON(bad), undefined);
});

/** Drives a CheckpointSpout by hand: what it emits, acks and fails, on a manual clock. */
async function harness(namespaceTopology: string, intervalMs = 1000) {
  const clock = new ManualClock();
  const provider = new MemoryStateProvider();
  const spout = new CheckpointSpout(namespaceTopology, () => provider, clock, intervalMs);
  const emitted: Array<[number, string]> = [];
  const collector = {
    emit: (stream: string, values: [number, string], id: unknown) => {
      assert.equal(stream, '$checkpoint');
      assert.equal(id, values[0]);
      emitted.push(values);
      return [];
    },
    reportError: (err: unknown) => {
      throw err;
    },
  } as unknown as SpoutOutputCollector;
  const context = {
    thisComponentId: '$checkpointspout',
    thisTaskId: 1,
    log: silentLogger(),
  } as unknown as TopologyContext;
  let wakes = 0;
  (spout as unknown as Record<symbol, AsyncSpoutHooks>)[ASYNC_SPOUT]!.wake = () => wakes++;
  await spout.open({}, context, collector);
  /** Lets the store's promises settle, then calls nextTuple; returns what it emitted. */
  const next = async (): Promise<Array<[number, string]>> => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
    const before = emitted.length;
    spout.nextTuple();
    for (let i = 0; i < 5; i++) await Promise.resolve();
    spout.nextTuple();
    return emitted.slice(before);
  };
  return { spout, clock, next, emitted, wakes: () => wakes };
}

test('the checkpoint spout: INITSTATE, then PREPARE/COMMIT every interval; a failure rolls back and re-initializes', async () => {
  const h = await harness('spout-seq');
  assert.deepEqual(await h.next(), [[-1, 'INITSTATE']], 'a fresh topology recovers first');
  assert.deepEqual(await h.next(), [], 'one action at a time');
  h.spout.ack(-1);
  assert.deepEqual(await h.next(), [[0, 'PREPARE']], 'the first checkpoint is due at once');
  h.spout.ack(0);
  assert.deepEqual(await h.next(), [[0, 'COMMIT']]);
  h.spout.ack(0);
  assert.deepEqual(await h.next(), [], 'the next checkpoint waits for the interval');
  const wakes = h.wakes();
  h.clock.advance(1000);
  assert.ok(h.wakes() > wakes, 'its timer wakes the engine');
  assert.deepEqual(await h.next(), [[1, 'PREPARE']]);
  h.spout.fail(1);
  assert.deepEqual(await h.next(), [[1, 'ROLLBACK']], 'a failed PREPARE is rolled back');
  h.spout.ack(1);
  assert.deepEqual(await h.next(), [[0, 'INITSTATE']], 'then every task re-initializes from the last commit');
  h.spout.ack(0);
  assert.deepEqual(await h.next(), [], 'recovery done; the next checkpoint is an interval after the failed one');
  h.clock.advance(1000);
  assert.deepEqual(await h.next(), [[1, 'PREPARE']], 'and the checkpoint is tried again');
  h.spout.ack(1);
  assert.deepEqual(await h.next(), [[1, 'COMMIT']]);
  h.spout.fail(1);
  assert.deepEqual(await h.next(), [[1, 'COMMIT']], 'a failed COMMIT is sent again (recovery of COMMITTING)');
  h.spout.ack(1);
  assert.deepEqual(await h.next(), [[1, 'INITSTATE']]);
  h.spout.ack(2);
  assert.deepEqual(await h.next(), [], 'an ack of another txid is ignored: INITSTATE 1 is still out');
  h.spout.fail(1);
  assert.deepEqual(await h.next(), [[1, 'INITSTATE']], 'resent when it fails');
});

test('a restarted checkpoint spout resumes from its saved state: PREPARING rolls back, COMMITTING commits', async () => {
  const a = await harness('spout-restart');
  a.spout.nextTuple();
  a.spout.ack(-1);
  assert.deepEqual(await a.next(), [[0, 'PREPARE']]);
  a.spout.close();
  const b = await harness('spout-restart');
  assert.deepEqual(await b.next(), [[0, 'ROLLBACK']], 'saved as PREPARING 0: roll it back');
  b.spout.ack(0);
  assert.deepEqual(await b.next(), [[-1, 'INITSTATE']]);
  b.spout.ack(-1);
  assert.deepEqual(await b.next(), [[0, 'PREPARE']]);
  b.spout.ack(0);
  assert.deepEqual(await b.next(), [[0, 'COMMIT']]);
  b.spout.close();
  const c = await harness('spout-restart');
  assert.deepEqual(await c.next(), [[0, 'COMMIT']], 'saved as COMMITTING 0: finish the commit');
  c.spout.ack(0);
  assert.deepEqual(await c.next(), [[0, 'INITSTATE']]);
});
