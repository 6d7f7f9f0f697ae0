/**
 * Squall side of `npm run bench:storm` (the runner is storm-bench.ts): runs one case in Squall's local mode and prints
 * one JSON line prefixed `SQUALL_BENCH_RESULT`. Usage: `node storm-squall-side.js noack|ack SECONDS WARMUP_SECONDS`, or
 * `node storm-squall-side.js tvl SECONDS WARMUP_SECONDS RATE`.
 *
 * The topology is the one bench/storm/src/main/java/squall/bench/StormBench.java runs in Storm: a spout emitting one
 * of four words per `nextTuple` (with a message id when acking) → fields grouping on "word" → a counting bolt with 2
 * tasks; acking on uses 1 acker, acking off 0. The message id is the emit time, so the complete latency is measured
 * in the spout's `ack` the same way on both sides. `tvl` is the ThroughputVsLatency shape: a sentence spout ×1 paced at
 * RATE sentences/s with message ids → shuffle → split ×2 → fields → count ×2, 1 acker; its tuples are acked trees. CPU is this whole process's (`process.cpuUsage()`).
 */
import {
  BasicBolt,
  Bolt,
  Spout,
  TopologyBuilder,
  type BasicOutputCollector,
  type OutputFieldsDeclarer,
  type Tuple,
} from '@squall/api';
import { LocalCluster } from '@squall/local';

const WORDS = ['dog', 'cat', 'zebra', 'elephant'];
let executed = 0;
let acked = 0;
let failed = 0;
let measuring = false;
const latencies = new Float64Array(4_000_000);
let latencyCount = 0;

class WordSpout extends Spout {
  private i = 0;
  constructor(private readonly tracked: boolean) {
    super();
  }
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word']);
  }
  override nextTuple(): void {
    const word = WORDS[this.i++ & 3]!;
    if (this.tracked) this.collector.emit([word], performance.now());
    else this.collector.emit([word]);
  }
  override ack(msgId: unknown): void {
    acked++;
    if (measuring && latencyCount < latencies.length) latencies[latencyCount++] = performance.now() - (msgId as number);
  }
  override fail(): void {
    failed++;
  }
}

// Storm's FastRandomSentenceSpout sentences, as in test/fixtures/throughput-vs-latency.ts.
const SENTENCES = [
  'the cow jumped over the moon',
  'an apple a day keeps the doctor away',
  'four score and seven years ago',
  'snow white and the seven dwarfs',
  'i am at two with nature',
];

class RateSpout extends Spout {
  private since = performance.now();
  private sent = 0;
  constructor(private readonly rate: number) {
    super();
  }
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['sentence']);
  }
  override open(): void {
    this.since = performance.now();
  }
  override nextTuple(): void {
    if (this.sent >= (this.rate * (performance.now() - this.since)) / 1000) return;
    this.collector.emit([SENTENCES[this.sent++ % SENTENCES.length]!], performance.now());
  }
  override ack(msgId: unknown): void {
    acked++;
    if (measuring && latencyCount < latencies.length) latencies[latencyCount++] = performance.now() - (msgId as number);
  }
  override fail(): void {
    failed++;
  }
}

class SplitBolt extends BasicBolt {
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word']);
  }
  override execute(t: Tuple, collector: BasicOutputCollector): void {
    for (const word of t.getString(0).split(' ')) collector.emit([word]);
  }
}

class CountBolt extends Bolt {
  private readonly counts = new Map<string, number>();
  override execute(t: Tuple): void {
    const w = t.getString(0);
    this.counts.set(w, (this.counts.get(w) ?? 0) + (w === 'dog' ? 10 : 1));
    executed++;
    this.collector.ack(t);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function quantile(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  return sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
}

async function main(): Promise<void> {
  const [mode, secondsArg, warmupArg, rateArg] = process.argv.slice(2);
  const tvl = mode === 'tvl';
  if (
    (mode !== 'ack' && mode !== 'noack' && !tvl) ||
    !(Number(secondsArg) > 0) ||
    !(Number(warmupArg) >= 0) ||
    (tvl && !(Number(rateArg) > 0))
  ) {
    throw new Error(
      `usage: storm-squall-side.js noack|ack SECONDS WARMUP_SECONDS, or tvl SECONDS WARMUP_SECONDS RATE (got ${process.argv.slice(2).join(' ')})`,
    );
  }
  const tracked = mode === 'ack' || tvl;
  const seconds = Number(secondsArg);
  const warmup = Number(warmupArg);
  const b = new TopologyBuilder();
  if (tvl) {
    b.setSpout('spout', () => new RateSpout(Number(rateArg)), 1);
    b.setBolt('split', SplitBolt, 2).shuffleGrouping('spout');
    b.setBolt('count', CountBolt, 2).fieldsGrouping('split', ['word']);
  } else {
    b.setSpout('word', () => new WordSpout(tracked), 1);
    b.setBolt('count', CountBolt, 2).fieldsGrouping('word', ['word']);
  }
  const setupStart = performance.now();
  const cluster = await LocalCluster.create();
  await cluster.submitTopology(
    `bench-${mode}`,
    { 'topology.workers': 1, 'topology.acker.executors': tracked ? 1 : 0 },
    b.createTopology(),
  );
  while (executed === 0) await sleep(20);
  const startupSeconds = (performance.now() - setupStart) / 1000;
  await sleep(warmup * 1000);
  const e0 = executed;
  const a0 = acked;
  const f0 = failed;
  const c0 = cpuSeconds();
  const t0 = performance.now();
  measuring = true;
  await sleep(seconds * 1000);
  measuring = false;
  const elapsed = (performance.now() - t0) / 1000;
  const c1 = cpuSeconds();
  const tuples = tracked ? acked - a0 : executed - e0;
  const lat = latencies.slice(0, latencyCount).sort();
  const result: Record<string, unknown> = {
    system: 'squall',
    case: mode,
    node: process.version,
    startupSeconds,
    seconds: elapsed,
    tuples,
    executed: executed - e0,
    acked: acked - a0,
    failed: failed - f0,
    tuplesPerSec: tuples / elapsed,
    cpuSeconds: c1 - c0,
    latencySamples: lat.length,
  };
  if (lat.length > 0) {
    result.p50Ms = quantile(lat, 0.5);
    result.p99Ms = quantile(lat, 0.99);
  }
  process.stdout.write(`SQUALL_BENCH_RESULT ${JSON.stringify(result)}\n`);
  await cluster.shutdown();
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
