import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AckBatcher, ACK_BATCH_LIMIT, ackerFor } from '../src/acking';
import { PendingTrees } from '../src/pending-trees';

test('AckBatcher sends one message per acker per flush, routed like ackerFor, and XORs repeats of a root', () => {
  const ackers = [7, 8, 9];
  const sent: Array<[number, number[]]> = [];
  const b = new AckBatcher(ackers, (acker, quads) => sent.push([acker, quads]));
  const expected = new Map<number, number[]>();
  for (let seq = 0; seq < 30; seq++) {
    b.add(2, seq, seq, -seq);
    const a = ackerFor(ackers, 2, seq);
    if (!expected.has(a)) expected.set(a, []);
    expected.get(a)!.push(2, seq, seq, -seq);
  }
  b.add(2, 29, 0b11, 0b1); // same root as the last: XORed into it
  expected.get(ackerFor(ackers, 2, 29))!.splice(-2, 2, 29 ^ 0b11, -29 ^ 0b1);
  assert.equal(sent.length, 0, 'nothing is sent before a flush');
  b.flush();
  assert.equal(sent.length, expected.size);
  for (const [acker, quads] of sent) assert.deepEqual(quads, expected.get(acker));
  b.flush();
  assert.equal(sent.length, expected.size, 'an empty flush sends nothing');
});

test('AckBatcher sends a full buffer at once', () => {
  const sent: number[][] = [];
  const b = new AckBatcher([1], (_a, quads) => sent.push(quads));
  for (let seq = 0; seq < ACK_BATCH_LIMIT + 1; seq++) b.add(0, seq, 1, 1);
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.length, ACK_BATCH_LIMIT * 4);
  b.flush();
  assert.deepEqual(sent[1], [0, ACK_BATCH_LIMIT, 1, 1]);
});

test('PendingTrees keeps trees by sequence number through completion out of order, growth and eviction', () => {
  const t = new PendingTrees();
  const live = new Set<number>();
  let seed = 12345;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  // A few stragglers stay pending while 200k more come and go: they leave the ring for the overflow map.
  const inflight: number[] = [];
  for (let seq = 0; seq < 200_000; seq++) {
    // Skipped sequence numbers (trees acked at once are never added).
    if (seq % 13 === 0) continue;
    t.add(seq, `m${seq}`, seq % 2 ? 'odd' : 'even', seq, seq, -seq);
    live.add(seq);
    if (seq % 50_000 === 7) continue; // a straggler
    inflight.push(seq);
    // Complete a random in-flight tree, so about a thousand stay in flight, completing out of order.
    if (inflight.length > 1000) {
      const i = Math.floor(rand() * inflight.length);
      const k = inflight[i]!;
      inflight[i] = inflight[inflight.length - 1]!;
      inflight.pop();
      if (k % 3 === 0) {
        assert.equal(t.take(k), true);
      } else {
        // Completed by XOR: a first ack that leaves it incomplete, then the rest.
        assert.equal(t.xor(k, k, 0), 0);
        assert.equal(t.xor(k, 0, -k), 1);
      }
      assert.deepEqual([t.messageId, t.stream, t.startMs], [`m${k}`, k % 2 ? 'odd' : 'even', k]);
      live.delete(k);
    }
  }
  assert.equal(t.size, live.size);
  for (const k of live) assert.equal(t.has(k), true);
  assert.equal(t.has(13), false);
  assert.equal(t.take(13), false);
  assert.equal(t.xor(13, 1, 1), -1);
  // Timeouts come oldest first, the stragglers included.
  const expired: unknown[] = [];
  const n = t.expire(150_000, 50_000, (id) => expired.push(id));
  const want = [...live].filter((k) => 150_000 - k >= 50_000).sort((a, b) => a - b);
  assert.equal(n, want.length);
  assert.deepEqual(
    expired,
    want.map((k) => `m${k}`),
  );
  assert.equal(t.size, live.size - want.length);
});

test('PendingTrees: a reset tree leaves start order, and a sequence that restarts below the window still works', () => {
  const t = new PendingTrees();
  for (let seq = 0; seq < 10; seq++) t.add(seq, seq, 's', seq, 1, 0);
  assert.equal(t.reset(2, 100), true);
  assert.equal(t.reset(42, 100), false);
  const expired: unknown[] = [];
  t.expire(50, 45, (id) => expired.push(id));
  assert.deepEqual(expired, [0, 1, 3, 4, 5], 'the reset tree does not hold back the expiry of later ones');
  assert.equal(t.has(2), true);
  // The reset tree kept its XOR: the ack that completes it does.
  assert.equal(t.xor(2, 1, 0), 1);
  assert.deepEqual([t.messageId, t.startMs], [2, 100]);
  // The sequence wrapped: new numbers below the window go to the overflow and are found there.
  t.add(0, 1000, 's', 60, 0, 0);
  assert.equal(t.has(0), true);
  assert.equal(t.size, 5);
  assert.equal(t.take(0), true);
  assert.equal(t.messageId, 1000);
  for (const s of [6, 7, 8, 9]) {
    assert.equal(t.take(s), true);
    assert.equal(t.messageId, s);
  }
  assert.equal(t.size, 0);
  t.add(5, 5, 's', 0, 0, 0);
  assert.equal(t.has(5), true);
});

test('PendingTrees: trees evicted from a full ring keep their fields and XOR in the overflow', () => {
  const RING = 1 << 12;
  const t = new PendingTrees(RING);
  t.add(0, 'old', 'a', 0, 5, 6);
  for (let seq = 1; seq <= RING; seq++) t.add(seq, seq, 'b', 1, 0, 0);
  assert.equal(t.size, RING + 1);
  assert.equal(t.overflowed, 1);
  assert.equal(t.xor(0, 5, 0), 0);
  assert.equal(t.xor(0, 0, 6), 1);
  assert.deepEqual([t.messageId, t.stream, t.startMs], ['old', 'a', 0]);
  assert.equal(t.take(RING), true);
  assert.equal(t.messageId, RING);
});

test('PendingTrees: the default ring holds a stateful interval of millions of trees without overflow', () => {
  const t = new PendingTrees();
  const N = 3_000_000;
  for (let seq = 0; seq < N; seq++) t.add(seq, seq, 's', seq, seq, -seq);
  assert.equal(t.size, N);
  assert.equal(t.overflowed, 0);
  assert.equal(t.xor(0, 0, 0), 1);
  assert.equal(t.xor(N - 1, N - 1, -(N - 1)), 1);
  assert.deepEqual([t.messageId, t.startMs], [N - 1, N - 1]);
  assert.equal(t.size, N - 2);
});

test('PendingTrees: a largest ring that is not a power of two is refused', () => {
  assert.throws(() => new PendingTrees(1000), /maxRing 1000: a power of two >= 64/);
  assert.throws(() => new PendingTrees(32), /a power of two >= 64/);
});
