import assert from 'node:assert/strict';
import { it } from 'node:test';
import { decodeBatch, encodeBatch, WireFormatError, type WireTuple } from '../src/index';

// Deterministic so a failure reproduces: mulberry32.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomValue(random: () => number, depth: number): unknown {
  const pick = Math.floor(random() * (depth > 3 ? 10 : 13));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return undefined;
    case 2:
      return random() < 0.5;
    case 3:
      return Math.floor((random() - 0.5) * 2 ** (random() * 60));
    case 4:
      return (random() - 0.5) * 1e6;
    case 5:
      return String.fromCodePoint(
        ...Array.from({ length: Math.floor(random() * 8) }, () => Math.floor(random() * 0x2ffff)),
      );
    case 6:
      return BigInt(Math.floor(random() * 1e9)) ** BigInt(1 + Math.floor(random() * 4)) * (random() < 0.5 ? -1n : 1n);
    case 7:
      return Buffer.from(Array.from({ length: Math.floor(random() * 6) }, () => Math.floor(random() * 256)));
    case 8:
      return new Date(Math.floor(random() * 2e12));
    case 9:
      return Int32Array.from({ length: Math.floor(random() * 6) }, () => Math.floor((random() - 0.5) * 2 ** 32));
    case 10:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(random() * 4) }, (_, i) => [`k${i}`, randomValue(random, depth + 1)]),
      );
  }
}

function randomBatch(random: () => number): Buffer {
  const tuples: WireTuple[] = Array.from({ length: 1 + Math.floor(random() * 5) }, () => ({
    targetTask: Math.floor(random() * 100),
    sourceTask: Math.floor(random() * 100) - 1,
    stream: ['default', '__ack_ack', 'words'][Math.floor(random() * 3)] as string,
    anchors:
      random() < 0.5 ? null : Array.from({ length: 4 * Math.floor(random() * 3) }, () => (random() * 2 ** 32) | 0),
    values: Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, 0)),
  }));
  return encodeBatch(tuples);
}

function mutate(random: () => number, valid: Buffer): Buffer {
  const bytes = Buffer.from(valid);
  switch (Math.floor(random() * 4)) {
    case 0: // truncate
      return bytes.subarray(0, Math.floor(random() * bytes.length));
    case 1: // flip a few bytes
      for (let i = 0; i < 1 + random() * 4; i++)
        bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      return bytes;
    case 2: // insert garbage
      return Buffer.concat([
        bytes.subarray(0, 6 + Math.floor(random() * (bytes.length - 6))),
        Buffer.from([Math.floor(random() * 256), 0xff, 0x7f]),
        bytes.subarray(6),
      ]);
    default: // random bytes behind a valid header
      return Buffer.concat([
        bytes.subarray(0, 6),
        Buffer.from(Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256))),
      ]);
  }
}

it('decodeBatch returns or throws WireFormatError on 20,000 mutated and random inputs', () => {
  const random = prng(0x5eed);
  let decoded = 0;
  let refused = 0;
  for (let i = 0; i < 20_000; i++) {
    const valid = randomBatch(random);
    if (i % 10 === 0)
      assert.deepEqual(encodeBatch(decodeBatch(valid)), valid, 'valid batches re-encode to the same bytes');
    const input =
      i % 5 === 4
        ? Buffer.from(Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256)))
        : mutate(random, valid);
    try {
      const tuples = decodeBatch(input);
      assert.ok(Array.isArray(tuples));
      decoded++;
    } catch (error) {
      if (!(error instanceof WireFormatError)) throw new Error(`input ${input.toString('hex')} threw ${String(error)}`);
      refused++;
    }
  }
  assert.ok(refused > 10_000, `most corrupt inputs are refused (${refused} refused, ${decoded} decoded)`);
});
