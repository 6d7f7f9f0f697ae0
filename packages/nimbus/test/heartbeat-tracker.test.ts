import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeartbeatTracker } from '../src/heartbeat-tracker';

test('a slot the topology left gets a full timeout when assigned again (no back-and-forth between slow slots)', () => {
  const t = new HeartbeatTracker();
  const a = { supervisorId: 's', port: 1 };
  const b = { supervisorId: 's', port: 2 };
  assert.equal(t.deadSlots('topo', [a], 0, 10).size, 0);
  assert.deepEqual([...t.deadSlots('topo', [a], 11, 10)], ['s:1'], 'not running for longer than the timeout');
  // Moved to b, which is slow too; then back to a: a starts counting again.
  assert.equal(t.deadSlots('topo', [b], 11, 10).size, 0);
  assert.deepEqual([...t.deadSlots('topo', [b], 22, 10)], ['s:2']);
  assert.equal(t.deadSlots('topo', [a], 22, 10).size, 0, 'a was dead at 11 but has only just been assigned again');
  assert.equal(t.deadSlots('topo', [a], 30, 10).size, 0);
  assert.deepEqual([...t.deadSlots('topo', [a], 33, 10)], ['s:1']);
});

test('deadSlots: a running worker clears its mark; other topologies keep theirs', () => {
  const hb = new HeartbeatTracker();
  const slotA = { supervisorId: 'sup-a', port: 6700 };
  const slotB = { supervisorId: 'sup-b', port: 6700 };
  hb.deadSlots('other-1-1', [slotB], 0, 10000);
  hb.deadSlots('wc-1-1', [slotA], 0, 10000);
  hb.record({ supervisorId: 'sup-a', host: 'h', workers: [{ topologyId: 'wc-1-1', port: 6700, status: 2 }] }, 5000);
  assert.deepEqual([...hb.deadSlots('wc-1-1', [slotA], 20000, 10000)], []);
  assert.deepEqual([...hb.deadSlots('other-1-1', [slotB], 20000, 10000)], ['sup-b:6700']);
});
