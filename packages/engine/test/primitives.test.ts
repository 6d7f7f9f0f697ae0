import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buckets, TaskQueue, hashSelected, hashValue, xorInto, UnhashableValueError } from '../src';

test('fields hashing is deterministic and independent of object key order', () => {
  // Fixed values pin the hash across processes and releases: changing it would move keys between tasks.
  assert.equal(hashValue('dog'), hashValue('dog'));
  assert.equal(hashValue('dog') >>> 0, 3865623817);
  assert.equal(hashValue(42) >>> 0, 2932350623);
  assert.equal(hashValue(1.5) >>> 0, 3336425283);
  assert.equal(hashValue({ a: 1, b: [2, 'x'] }), hashValue({ b: [2, 'x'], a: 1 }));
  assert.notEqual(hashValue('1'), hashValue(1));
  assert.equal(hashValue(-0), hashValue(0), '-0 and 0 are the same key');
  assert.equal(hashSelected(['dog', 5], [0]), hashValue('dog'));
  assert.notEqual(hashSelected(['dog', 5], [0, 1]), hashSelected(['dog', 6], [0, 1]));
  assert.throws(() => hashValue(() => 1), UnhashableValueError);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(() => hashValue(cyclic), UnhashableValueError);
});

test('Buckets maps every hash to the same task index as (hash >>> 0) % n', () => {
  const hashes = [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 12345, -12345, hashValue('dog'), hashValue('elephant')];
  for (let i = 0; i < 20000; i++) hashes.push(Math.imul(i, 0x9e3779b1) ^ (i << 7));
  for (let n = 1; n <= 37; n++) {
    const b = new Buckets(n);
    for (const h of hashes) assert.equal(b.of(h), (h >>> 0) % n, `hash ${h}, ${n} buckets`);
  }
});

test('fields hashing spreads keys over tasks', () => {
  const buckets = new Array(4).fill(0);
  for (let i = 0; i < 10000; i++) buckets[(hashValue(`key-${i}`) >>> 0) % 4]++;
  for (const b of buckets) assert.ok(b > 2000 && b < 3000, `bucket ${b}`);
});

test('the task queue grows past its soft capacity, keeps order, and reports pressure', () => {
  const events: number[] = [];
  const q = new TaskQueue<string>(3, (d) => events.push(d));
  for (let i = 0; i < 2000; i++) q.push(i % 7, `m${i}`);
  assert.deepEqual(events, [1]);
  assert.equal(q.size, 2000);
  for (let i = 0; i < 2000; i++) {
    assert.equal(q.peekTask(), i % 7);
    assert.equal(q.shift(), `m${i}`);
  }
  assert.deepEqual(events, [1, -1]);
  assert.equal(q.highWater, 2000);
});

test('xorInto merges edges per root', () => {
  const ids: number[] = [];
  xorInto(ids, 3, 7, 0b1010, 0b1);
  xorInto(ids, 4, 1, 5, 5);
  xorInto(ids, 3, 7, 0b0110, 0b1);
  assert.deepEqual(ids, [3, 7, 0b1100, 0, 4, 1, 5, 5]);
});
