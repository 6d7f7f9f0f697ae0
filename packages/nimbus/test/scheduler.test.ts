import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExecutorSpec } from '@squall/api';
import { scheduleEven, type ScheduledWorker } from '../src/scheduler';

const execs = (n: number): ExecutorSpec[] =>
  Array.from({ length: n }, (_, i) => ({ component: i % 2 ? 'b' : 'a', startTask: i + 1, endTask: i + 1 }));
const sups = (n: number, ports = [6700, 6701]) =>
  Array.from({ length: n }, (_, i) => ({ id: `s${i}`, host: `h${i}`, ports }));

function ok(r: ReturnType<typeof scheduleEven>): ScheduledWorker[] {
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.workers;
}

test('spreads workers over supervisors and executors evenly over workers', () => {
  const workers = ok(scheduleEven({ executors: execs(9), numWorkers: 3, supervisors: sups(3), occupied: new Set() }));
  assert.equal(workers.length, 3);
  assert.deepEqual(new Set(workers.map((w) => w.supervisorId)).size, 3, 'one worker per supervisor');
  assert.deepEqual(
    workers.map((w) => w.executors.length),
    [3, 3, 3],
  );
  assert.equal(new Set(workers.flatMap((w) => w.executors.map((e) => e.startTask))).size, 9);
});

test('uses fewer workers when slots are short, and fails clearly with none', () => {
  const occupied = new Set(['s0:6700', 's0:6701', 's1:6700']);
  const workers = ok(scheduleEven({ executors: execs(4), numWorkers: 3, supervisors: sups(2), occupied }));
  assert.deepEqual(
    workers.map((w) => `${w.supervisorId}:${w.port}`),
    ['s1:6701'],
  );
  const none = scheduleEven({ executors: execs(4), numWorkers: 2, supervisors: [], occupied: new Set() });
  assert.deepEqual(none, { ok: false, reason: 'no live supervisors' });
});

test('an unchanged topology on live slots keeps its assignment', () => {
  const first = ok(scheduleEven({ executors: execs(6), numWorkers: 2, supervisors: sups(3), occupied: new Set() }));
  const again = scheduleEven({
    executors: execs(6),
    numWorkers: 2,
    supervisors: sups(3),
    occupied: new Set(),
    previous: first,
  });
  assert.ok(again.ok && !again.changed);
  assert.deepEqual(ok(again), first);
});

test("a lost supervisor's executors move to a free slot; survivors stay put", () => {
  const first = ok(scheduleEven({ executors: execs(6), numWorkers: 3, supervisors: sups(3), occupied: new Set() }));
  const lost = first.find((w) => w.supervisorId === 's1')!;
  const next = ok(
    scheduleEven({
      executors: execs(6),
      numWorkers: 3,
      supervisors: sups(3).filter((s) => s.id !== 's1'),
      occupied: new Set(),
      previous: first,
    }),
  );
  assert.equal(next.length, 3);
  for (const w of first.filter((w) => w !== lost))
    assert.ok(
      next.some(
        (n) => n.supervisorId === w.supervisorId && n.port === w.port && n.executors.length === w.executors.length,
      ),
    );
  const moved = next.find((n) => !first.some((f) => f.supervisorId === n.supervisorId && f.port === n.port))!;
  assert.deepEqual(moved.executors, lost.executors);
  assert.notEqual(moved.supervisorId, 's1');
});

test('with no free slot, orphaned executors are spread over surviving workers', () => {
  const supervisors = sups(2, [6700]);
  const first = ok(scheduleEven({ executors: execs(4), numWorkers: 2, supervisors, occupied: new Set() }));
  const next = ok(
    scheduleEven({
      executors: execs(4),
      numWorkers: 2,
      supervisors: [supervisors[0]!],
      occupied: new Set(),
      previous: first,
    }),
  );
  assert.equal(next.length, 1);
  assert.equal(next[0]!.executors.length, 4);
});

test('a dead slot on a live supervisor is replaced', () => {
  const first = ok(scheduleEven({ executors: execs(4), numWorkers: 2, supervisors: sups(2), occupied: new Set() }));
  const dead = `${first[0]!.supervisorId}:${first[0]!.port}`;
  const next = ok(
    scheduleEven({
      executors: execs(4),
      numWorkers: 2,
      supervisors: sups(2),
      occupied: new Set(),
      previous: first,
      deadSlots: new Set([dead]),
    }),
  );
  assert.ok(!next.some((w) => `${w.supervisorId}:${w.port}` === dead));
  assert.equal(next.flatMap((w) => w.executors).length, 4);
});

test('a topology placed on fewer workers than asked (slots were short) keeps them; a rebalance lays it out again', () => {
  const first = ok(scheduleEven({ executors: execs(6), numWorkers: 2, supervisors: sups(3), occupied: new Set() }));
  const kept = scheduleEven({
    executors: execs(6),
    numWorkers: 3,
    supervisors: sups(3),
    occupied: new Set(),
    previous: first,
  });
  assert.ok(kept.ok && !kept.changed);
  // A rebalance schedules without `previous`.
  const next = ok(scheduleEven({ executors: execs(6), numWorkers: 3, supervisors: sups(3), occupied: new Set() }));
  assert.equal(next.length, 3);
  assert.deepEqual(
    next.map((w) => w.executors.length),
    [2, 2, 2],
  );
});
