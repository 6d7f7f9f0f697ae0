import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeartbeatTracker } from '../src/heartbeat-tracker';

const T = 'wc-1-1700000000';
const slotA = { supervisorId: 'sup-a', port: 6700 };
const slotB = { supervisorId: 'sup-b', port: 6700 };

test('deadSlots: a slot not running past the timeout is dead; one assigned again later starts counting afresh', () => {
  const hb = new HeartbeatTracker();
  assert.deepEqual([...hb.deadSlots(T, [slotA], 0, 10000)], []);
  assert.deepEqual([...hb.deadSlots(T, [slotA], 10001, 10000)], ['sup-a:6700']);
  // Its worker moved to B; A is no longer the topology's.
  assert.deepEqual([...hb.deadSlots(T, [slotB], 10002, 10000)], []);
  // Back on A much later (B was slow too): A's worker has only just been assigned, so it is not dead yet.
  assert.deepEqual([...hb.deadSlots(T, [slotA], 30000, 10000)], []);
  assert.deepEqual([...hb.deadSlots(T, [slotA], 40001, 10000)], ['sup-a:6700']);
});

test('deadSlots: a running worker clears its mark; other topologies keep theirs', () => {
  const hb = new HeartbeatTracker();
  hb.deadSlots('other-1-1', [slotB], 0, 10000);
  hb.deadSlots(T, [slotA], 0, 10000);
  hb.record({ supervisorId: 'sup-a', host: 'h', workers: [{ topologyId: T, port: 6700, status: 2 }] }, 5000);
  assert.deepEqual([...hb.deadSlots(T, [slotA], 20000, 10000)], []);
  assert.deepEqual([...hb.deadSlots('other-1-1', [slotB], 20000, 10000)], ['sup-b:6700']);
});
