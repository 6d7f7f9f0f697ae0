import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QuadBuffer } from '../src/quad-buffer';

test('quad buffer: keeps signed 32-bit quads in order across growth, appends, clears', () => {
  const a = new QuadBuffer();
  for (let i = 0; i < 1000; i++) a.push(7, i, -1 ^ i, 0x7fffffff ^ i);
  assert.equal(a.length, 4000);
  const v = a.view();
  assert.deepEqual([...v.subarray(0, 4)], [7, 0, -1, 0x7fffffff]);
  assert.deepEqual([...v.subarray(3996, 4000)], [7, 999, -1 ^ 999, 0x7fffffff ^ 999]);
  const b = new QuadBuffer();
  b.push(1, 2, 3, 4);
  b.append(a);
  assert.equal(b.length, 4004);
  assert.deepEqual([...b.view().subarray(0, 8)], [1, 2, 3, 4, 7, 0, -1, 0x7fffffff]);
  b.clear();
  assert.equal(b.length, 0);
  assert.equal(b.view().length, 0);
  b.append(new QuadBuffer());
  assert.equal(b.length, 0);
});
