import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeBatch, encodedValuesBytes, tupleHeaderBytes, TUPLE_BATCH_HEADER_BYTES } from '../src';

/** Bytes the encoder spends on the values of a tuple (target 0, source 0, stream 'a' first seen, untracked). */
function encodedValues(values: unknown[]): number {
  const total = encodeBatch([{ targetTask: 0, sourceTask: 0, stream: 'a', anchors: null, values }]).length;
  return total - TUPLE_BATCH_HEADER_BYTES - 1 - 1 - 3 - 1;
}

function randomValue(depth: number, rnd: () => number): unknown {
  const r = rnd();
  if (depth > 3 || r < 0.5) {
    const kinds: Array<() => unknown> = [
      () => null,
      () => undefined,
      () => rnd() < 0.5,
      () => Math.floor((rnd() - 0.5) * 2 ** (rnd() * 60)),
      () => (rnd() - 0.5) * 1e6,
      () => -0,
      () => NaN,
      () => 'héllo wörld ✓ 𝄞'.slice(0, Math.floor(rnd() * 16)).repeat(Math.floor(rnd() * 50)),
      () => BigInt(Math.floor(rnd() * 1e15)) * BigInt(Math.floor(rnd() * 1e15)) * (rnd() < 0.5 ? -1n : 1n),
      () => 0n,
      () => Buffer.alloc(Math.floor(rnd() * 300), 7),
      () => new Date(Math.floor(rnd() * 1e12)),
      () => Int32Array.from({ length: Math.floor(rnd() * 200) }, () => Math.floor((rnd() - 0.5) * 2 ** 32)),
    ];
    return kinds[Math.floor(rnd() * kinds.length)]!();
  }
  if (r < 0.75) return Array.from({ length: Math.floor(rnd() * 5) }, () => randomValue(depth + 1, rnd));
  const o: Record<string, unknown> = {};
  for (let i = 0; i < Math.floor(rnd() * 5); i++) o[`k${i}ü`] = randomValue(depth + 1, rnd);
  return o;
}

test('encodedValuesBytes(exact) equals the encoder on random values; the fast bound is never below it', () => {
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 2000; i++) {
    const values = Array.from({ length: Math.floor(rnd() * 6) }, () => randomValue(0, rnd));
    const actual = encodedValues(values);
    assert.equal(
      encodedValuesBytes(values, true),
      actual,
      `exact size of ${JSON.stringify(values, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`,
    );
    assert.ok(encodedValuesBytes(values) >= actual, 'upper bound');
  }
});

test('tupleHeaderBytes bounds the bytes before the values, anchored or not', () => {
  for (const stream of ['default', 'a', 'ströme-✓'.repeat(20)]) {
    const full = encodeBatch([
      { targetTask: -2147483648, sourceTask: 2147483647, stream, anchors: [2147483647, -1, -1, -1], values: [] },
    ]).length;
    assert.ok(tupleHeaderBytes(stream) + 1 >= full - TUPLE_BATCH_HEADER_BYTES, stream);
  }
});
