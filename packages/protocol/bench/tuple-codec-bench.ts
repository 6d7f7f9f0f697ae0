// Throughput of the tuple codec on the word-count shape: node packages/protocol/dist/bench/tuple-codec-bench.js [tuples]
import { BatchEncoder, decodeBatch, type WireTuple } from '../src/index';

const total = Number(process.argv[2] ?? 1_000_000);
const batchSize = 1000;
const tuple: WireTuple = { targetTask: 7, sourceTask: 3, stream: 'default', anchors: null, values: ['word', 123] };

function run(): { encodeMs: number; decodeMs: number; bytes: number } {
  const encoder = new BatchEncoder();
  const batches: Buffer[] = [];
  let started = process.hrtime.bigint();
  for (let sent = 0; sent < total; sent += batchSize) {
    for (let i = 0; i < batchSize; i++) encoder.add(tuple);
    batches.push(encoder.finish());
  }
  const encodeMs = Number(process.hrtime.bigint() - started) / 1e6;
  started = process.hrtime.bigint();
  let decoded = 0;
  for (const batch of batches) decoded += decodeBatch(batch).length;
  const decodeMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (decoded !== total) throw new Error(`decoded ${decoded} of ${total}`);
  return { encodeMs, decodeMs, bytes: batches.reduce((n, b) => n + b.length, 0) };
}

const fmt = (ms: number): string => `${ms.toFixed(0)} ms (${(((total / ms) * 1000) / 1e6).toFixed(2)} M tuples/s)`;
// The first run includes JIT warm-up, as a freshly started worker would; the second is the steady state.
for (const label of ['cold', 'warm']) {
  const { encodeMs, decodeMs, bytes } = run();
  console.log(
    `${label}: ${total} tuples ['word', 123], batches of ${batchSize}, ${(bytes / total).toFixed(1)} bytes/tuple: ` +
      `encode ${fmt(encodeMs)}, decode ${fmt(decodeMs)}, total ${(encodeMs + decodeMs).toFixed(0)} ms`,
  );
}
