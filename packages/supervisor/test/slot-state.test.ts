import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  slotRestarts,
  stepSlot,
  type SlotAssignment,
  type SlotObservation,
  type SlotState,
  type SlotTimeouts,
  type WaitingState,
} from '../src/slot-state';

const T: SlotTimeouts = { startMs: 10000, heartbeatMs: 5000, shutdownMs: 3000 };
const A: SlotAssignment = { topologyId: 'wc-1-1', executorsKey: 'count[2-2]', packageDigest: 'abc' };
const obs = (o: Partial<SlotObservation>): SlotObservation => ({
  now: 0,
  desired: A,
  packageReady: false,
  processAlive: false,
  ...o,
});

function run(state: SlotState, o: Partial<SlotObservation>) {
  return stepSlot(state, obs(o), T);
}

test('EMPTY → download → start → STARTING → RUNNING on first heartbeat', () => {
  let s = run({ kind: 'EMPTY' }, { now: 0 });
  assert.equal(s.state.kind, 'WAITING_FOR_PACKAGE');
  assert.deepEqual(s.actions, [{ kind: 'download', assignment: A }]);
  s = run(s.state, { now: 100 });
  assert.deepEqual(s.actions, [], 'no second download while waiting');
  s = run(s.state, { now: 200, packageReady: true, downloaded: {} });
  assert.deepEqual(s.actions, [{ kind: 'start', assignment: A }]);
  s = run(s.state, { now: 210, packageReady: true, spawnedPid: 42, processAlive: true });
  assert.deepEqual(s.state, { kind: 'STARTING', assignment: A, pid: 42, since: 210, restarts: 0 });
  s = run(s.state, { now: 900, packageReady: true, processAlive: true, lastHeartbeat: 890 });
  assert.equal(s.state.kind, 'RUNNING');
});

test('a failed download is observed by the next step: reported, retried after a growing delay, never from EMPTY', () => {
  let s = run({ kind: 'EMPTY' }, { now: 0 });
  s = run(s.state, { now: 50, downloaded: { error: 'no nimbus leader registered in ZooKeeper' } });
  const failed = s.state as WaitingState;
  assert.equal(failed.kind, 'WAITING_FOR_PACKAGE', 'the slot stays WAITING_FOR_PACKAGE');
  assert.deepEqual(
    { downloading: failed.downloading, downloadFailures: failed.downloadFailures, retryAt: failed.retryAt },
    { downloading: false, downloadFailures: 1, retryAt: 1050 },
  );
  assert.deepEqual(s.actions, [
    {
      kind: 'report',
      level: 'error',
      message: 'package download of wc-1-1 failed: no nimbus leader registered in ZooKeeper; retrying in 1000 ms',
      logOnly: true,
    },
  ]);
  assert.deepEqual(run(s.state, { now: 1000 }).actions, [], 'not retried before its time');
  s = run(s.state, { now: 1050 });
  assert.deepEqual(s.actions, [{ kind: 'download', assignment: A }]);
  assert.equal((s.state as WaitingState).downloading, true);
  s = run(s.state, { now: 1100, downloaded: { error: 'truncated' } });
  assert.equal((s.state as WaitingState).retryAt, 1100 + 2000, 'the second failure in a row waits 2 s');
  s = run(s.state, { now: 3100 });
  s = run(s.state, { now: 3200, packageReady: true, downloaded: {} });
  assert.deepEqual(s.actions, [{ kind: 'start', assignment: A }]);
  assert.equal((s.state as WaitingState).downloadFailures, 0, 'a ready package clears the failures');
});

test('a download that ended without a ready package is issued again at once', () => {
  let s = run({ kind: 'EMPTY' }, { now: 0 });
  s = run(s.state, { now: 10, downloaded: {} });
  assert.deepEqual(s.actions, [{ kind: 'download', assignment: A }]);
});

test('a new assignment while waiting starts over for it', () => {
  let s = run({ kind: 'EMPTY' }, { now: 0 });
  s = run(s.state, { now: 10, downloaded: { error: 'x' } });
  const B = { ...A, packageDigest: 'def' };
  s = run(s.state, { now: 20, desired: B });
  assert.deepEqual(s.actions, [{ kind: 'download', assignment: B }]);
  assert.equal((s.state as WaitingState).downloadFailures, 0);
});

test('a worker that dies is restarted after a growing backoff; the state alone counts the restarts', () => {
  const running: SlotState = { kind: 'RUNNING', assignment: A, pid: 7, since: 0, restarts: 0 };
  let s = run(running, {
    now: 1000,
    packageReady: true,
    processAlive: false,
    exitDescription: 'signal SIGKILL',
    lastHeartbeat: 900,
  });
  assert.equal(s.state.kind, 'BACKOFF');
  assert.ok(
    s.actions.some((a) => a.kind === 'report' && a.level === 'error' && /died \(signal SIGKILL\)/.test(a.message)),
  );
  assert.equal(slotRestarts(s.state), 1);
  assert.equal((s.state as { until: number }).until, 2000, 'first restart after 1 s');
  assert.deepEqual(run(s.state, { now: 1500, packageReady: true }).actions, []);
  s = run(s.state, { now: 2000, packageReady: true });
  assert.deepEqual(s.actions, [{ kind: 'start', assignment: A }]);
  assert.equal(slotRestarts(s.state), 1, 'carried through WAITING_FOR_PACKAGE');
  s = run(s.state, { now: 2001, packageReady: true, processAlive: true, spawnedPid: 8 });
  assert.equal(slotRestarts(s.state), 1, 'and STARTING');
  s = run(s.state, { now: 2100, processAlive: false });
  assert.equal(slotRestarts(s.state), 2);
  assert.equal((s.state as { until: number }).until, 2100 + 2000, 'second restart in a row waits 2 s');
  const again = run(
    { kind: 'STARTING', assignment: A, pid: 8, since: 2000, restarts: 3 },
    { now: 2100, processAlive: false },
  );
  assert.equal((again.state as { until: number }).until, 2100 + 8000, 'fourth restart in a row waits 8 s');
});

test('a worker up for a minute resets the restart count; a new assignment starts at zero', () => {
  const running: SlotState = { kind: 'RUNNING', assignment: A, pid: 7, since: 0, restarts: 4 };
  assert.equal(slotRestarts(run(running, { now: 30000, processAlive: true, lastHeartbeat: 29000 }).state), 4);
  assert.equal(slotRestarts(run(running, { now: 60001, processAlive: true, lastHeartbeat: 60000 }).state), 0);
  const backoff: SlotState = { kind: 'BACKOFF', assignment: A, until: 100, restarts: 3 };
  const moved = run(backoff, { now: 200, desired: { ...A, executorsKey: 'count[2-3]' }, packageReady: true });
  assert.equal(slotRestarts(moved.state), 0);
});

test('a worker that stops heartbeating is killed: SIGTERM, then SIGKILL after the shutdown sleep', () => {
  let s = run(
    { kind: 'RUNNING', assignment: A, pid: 7, since: 0, restarts: 2 },
    { now: 6000, processAlive: true, lastHeartbeat: 500, packageReady: true },
  );
  assert.equal(s.state.kind, 'KILLING');
  assert.ok(s.actions.some((a) => a.kind === 'signal' && a.signal === 'SIGTERM' && a.pid === 7));
  s = run(s.state, { now: 8000, processAlive: true, packageReady: true });
  assert.deepEqual(s.actions, []);
  s = run(s.state, { now: 9100, processAlive: true, packageReady: true });
  assert.deepEqual(s.actions, [{ kind: 'signal', pid: 7, signal: 'SIGKILL' }]);
  s = run(s.state, { now: 9200, processAlive: false, packageReady: true });
  assert.deepEqual(s.actions, [{ kind: 'start', assignment: A }], 'restarted once dead');
  assert.equal(slotRestarts(s.state), 2, 'the restart count survives the kill');
});

test('an assignment that goes away or changes kills the worker', () => {
  let s = run(
    { kind: 'RUNNING', assignment: A, pid: 7, since: 0, restarts: 0 },
    { now: 100, processAlive: true, lastHeartbeat: 90, desired: null },
  );
  assert.equal(s.state.kind, 'KILLING');
  s = run(s.state, { now: 200, processAlive: false, desired: null });
  assert.deepEqual(s.state, { kind: 'EMPTY' });
  const moved = run(
    { kind: 'RUNNING', assignment: A, pid: 7, since: 0, restarts: 0 },
    { now: 100, processAlive: true, lastHeartbeat: 90, desired: { ...A, executorsKey: 'count[2-3]' } },
  );
  assert.equal(moved.state.kind, 'KILLING');
});

test('a worker that never heartbeats after start is killed at the start timeout', () => {
  const s = run({ kind: 'STARTING', assignment: A, pid: 9, since: 0, restarts: 0 }, { now: 10001, processAlive: true });
  assert.equal(s.state.kind, 'KILLING');
  assert.ok(s.actions.some((a) => a.kind === 'report' && /no heartbeat within 10s/.test(a.message)));
});
