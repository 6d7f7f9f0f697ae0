import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyHistogram, quantileMs } from '../src';

test('latency histogram: exact counts, percentiles within a bucket', () => {
  const h = new LatencyHistogram();
  for (let i = 1; i <= 1000; i++) h.record(i / 100); // 0.01 .. 10 ms
  const s = h.snapshot();
  assert.equal(s.count, 1000);
  const p50 = quantileMs(s, 0.5);
  assert.ok(p50 >= 5 && p50 <= 5 * 1.2, `p50 ${p50}`);
  assert.equal(quantileMs(s, 1), 10);
  h.record(0.5, 10);
  assert.equal(h.count, 1010);
});
