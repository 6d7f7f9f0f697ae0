import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stepSlot, type SlotAssignment, type SlotObservation, type SlotState, type SlotTimeouts } from '../src/slot-state';

const T: SlotTimeouts = { startMs: 10000, heartbeatMs: 5000, shutdownMs: 3000 };
const A: SlotAssignment = { topologyId: 'wc-1-1', executorsKey: 'count[2-2]', packageDigest: 'abc' };
const obs = (o: Partial<SlotObservation>): SlotObservation => ({ now: 0, desired: A, packageReady: false, processAlive: false, restarts: 0, ...o });

function run(state: SlotState, o: Partial<SlotObservation>) {
  return stepSlot(state, obs(o), T);
}

test('EMPTY → download → start → STARTING → RUNNING on first heartbeat', () => {
  let s = run({ kind: 'EMPTY' }, { now: 0 });
  assert.equal(s.state.kind, 'WAITING_FOR_PACKAGE');
  assert.deepEqual(s.actions, [{ kind: 'download', assignment: A }]);
  s = run(s.state, { now: 100 });
  assert.deepEqual(s.actions, [], 'no second download while waiting');
  s = run(s.state, { now: 200, packageReady: true });
  assert.deepEqual(s.actions, [{ kind: 'start', assignment: A }]);
  s = run(s.state, { now: 210, packageReady: true, spawnedPid: 42, processAlive: true });
  assert.deepEqual(s.state, { kind: 'STARTING', assignment: A, pid: 42, since: 210 });
  s = run(s.state, { now: 900, packageReady: true, processAlive: true, lastHeartbeat: 890 });
  assert.equal(s.state.kind, 'RUNNING');
});

test('a worker that dies is restarted after a growing backoff', () => {
  const running: SlotState = { kind: 'RUNNING', assignment: A, pid: 7, since: 0 };
  let s = run(running, { now: 1000, packageReady: true, processAlive: false, exitDescription: 'signal SIGKILL', lastHeartbeat: 900 });
  assert.equal(s.state.kind, 'BACKOFF');
  assert.ok(s.actions.some((a) => a.kind === 'report' && a.level === 'error' && /died \(signal SIGKILL\)/.test(a.message)));
  assert.deepEqual(s.actions.find((a) => a.kind === 'restarts'), { kind: 'restarts', count: 1 });
  assert.equal((s.state as { until: number }).until, 2000, 'first restart after 1 s');
  assert.deepEqual(run(s.state, { now: 1500, packageReady: true, restarts: 1 }).actions, []);
  s = run(s.state, { now: 2000, packageReady: true, restarts: 1 });
  assert.deepEqual(s.actions, [{ kind: 'start', assignment: A }]);
  const again = run({ kind: 'STARTING', assignment: A, pid: 8, since: 2000 }, { now: 2100, processAlive: false, restarts: 3 });
  assert.equal((again.state as { until: number }).until, 2100 + 8000, 'fourth restart in a row waits 8 s');
});

test('a worker that stops heartbeating is killed: SIGTERM, then SIGKILL after the shutdown sleep', () => {
  let s = run({ kind: 'RUNNING', assignment: A, pid: 7, since: 0 }, { now: 6000, processAlive: true, lastHeartbeat: 500, packageReady: true });
  assert.equal(s.state.kind, 'KILLING');
  assert.ok(s.actions.some((a) => a.kind === 'signal' && a.signal === 'SIGTERM' && a.pid === 7));
  s = run(s.state, { now: 8000, processAlive: true, packageReady: true });
  assert.deepEqual(s.actions, []);
  s = run(s.state, { now: 9100, processAlive: true, packageReady: true });
  assert.deepEqual(s.actions, [{ kind: 'signal', pid: 7, signal: 'SIGKILL' }]);
  s = run(s.state, { now: 9200, processAlive: false, packageReady: true });
  assert.deepEqual(s.actions, [{ kind: 'start', assignment: A }], 'restarted once dead');
});

test('an assignment that goes away or changes kills the worker', () => {
  let s = run({ kind: 'RUNNING', assignment: A, pid: 7, since: 0 }, { now: 100, processAlive: true, lastHeartbeat: 90, desired: null });
  assert.equal(s.state.kind, 'KILLING');
  s = run(s.state, { now: 200, processAlive: false, desired: null });
  assert.deepEqual(s.state, { kind: 'EMPTY' });
  const moved = run({ kind: 'RUNNING', assignment: A, pid: 7, since: 0 }, { now: 100, processAlive: true, lastHeartbeat: 90, desired: { ...A, executorsKey: 'count[2-3]' } });
  assert.equal(moved.state.kind, 'KILLING');
});

test('a worker that never heartbeats after start is killed at the start timeout', () => {
  const s = run({ kind: 'STARTING', assignment: A, pid: 9, since: 0 }, { now: 10001, processAlive: true });
  assert.equal(s.state.kind, 'KILLING');
  assert.ok(s.actions.some((a) => a.kind === 'report' && /no heartbeat within 10s/.test(a.message)));
});
