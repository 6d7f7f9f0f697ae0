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

interface P {
  startMs: number;
  id: number;
}

test('PendingTrees keeps trees by sequence number through completion out of order, growth and eviction', () => {
  const t = new PendingTrees<P>();
  const live = new Map<number, P>();
  let seed = 12345;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  // A few stragglers stay pending while 200k more come and go: they leave the ring for the overflow map.
  const inflight: number[] = [];
  for (let seq = 0; seq < 200_000; seq++) {
    // Skipped sequence numbers (trees acked at once are never added).
    if (seq % 13 === 0) continue;
    const p = { startMs: seq, id: seq };
    t.add(seq, p);
    live.set(seq, p);
    if (seq % 50_000 === 7) continue; // a straggler
    inflight.push(seq);
    // Complete a random in-flight tree, so about a thousand stay in flight, completing out of order.
    if (inflight.length > 1000) {
      const i = Math.floor(rand() * inflight.length);
      const k = inflight[i]!;
      inflight[i] = inflight[inflight.length - 1]!;
      inflight.pop();
      assert.equal(t.delete(k)?.id, k);
      live.delete(k);
    }
  }
  assert.equal(t.size, live.size);
  for (const [k, p] of live) assert.equal(t.get(k), p);
  assert.equal(t.get(13), undefined);
  assert.equal(t.delete(13), undefined);
  // Timeouts come oldest first, the stragglers included.
  const expired: number[] = [];
  const n = t.expire(150_000, 50_000, (seq) => expired.push(seq));
  const want = [...live.keys()].filter((k) => 150_000 - k >= 50_000).sort((a, b) => a - b);
  assert.equal(n, want.length);
  assert.deepEqual(
    [...expired].sort((a, b) => a - b),
    want,
  );
  assert.equal(t.size, live.size - want.length);
});

test('PendingTrees: a touched tree leaves start order, and a sequence that restarts below the window still works', () => {
  const t = new PendingTrees<P>();
  for (let seq = 0; seq < 10; seq++) t.add(seq, { startMs: seq, id: seq });
  const p2 = t.get(2)!;
  p2.startMs = 100;
  t.touch(2);
  const expired: number[] = [];
  t.expire(50, 45, (seq) => expired.push(seq));
  assert.deepEqual(expired, [0, 1, 3, 4, 5], 'the reset tree does not hold back the expiry of later ones');
  assert.equal(t.get(2), p2);
  // The sequence wrapped: new numbers below the window go to the overflow and are found there.
  t.add(0, { startMs: 60, id: 1000 });
  assert.equal(t.get(0)?.id, 1000);
  assert.equal(t.size, 6);
  assert.equal(t.delete(0)?.id, 1000);
  for (const s of [2, 6, 7, 8, 9]) assert.equal(t.delete(s)?.id, s);
  assert.equal(t.size, 0);
  t.add(5, { startMs: 0, id: 5 });
  assert.equal(t.get(5)?.id, 5);
});
