/**
 * `npm run bench [-- --seconds N] [-- --json]`: local-mode throughput of spout → fields grouping → counting bolt,
 * acking off and on, side by side with a baseline in the same run: a plain loop doing the same work (pick the next
 * word, hash it to one of two counters like fields grouping, count it). Reports tuples/s and ratios. Everything runs
 * on this process's single event loop, i.e. one CPU core. Then the windowed count (see windowed-bench.ts), reported as a
 * ratio to the plain count with acking off.
 */
import { Bolt, Spout, TopologyBuilder, type OutputFieldsDeclarer, type Tuple } from '@squall/api';
import { hashValue } from '@squall/engine';
import { LocalCluster } from '../src';
import { windowedCount } from './windowed-bench';

const WORDS = ['dog', 'cat', 'zebra', 'elephant'];

class BenchSpout extends Spout {
  private i = 0;
  private id = 0;
  constructor(private readonly tracked: boolean) {
    super();
  }
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word']);
  }
  override nextTuple(): void {
    const word = WORDS[this.i++ & 3]!;
    if (this.tracked) this.collector.emit([word], this.id++);
    else this.collector.emit([word]);
  }
}

class CountBolt extends Bolt {
  private readonly counts = new Map<string, number>();
  override execute(t: Tuple): void {
    const w = t.getString(0);
    this.counts.set(w, (this.counts.get(w) ?? 0) + (w === 'dog' ? 10 : 1));
    this.collector.ack(t);
  }
}

function baseline(seconds: number): number {
  const counters = [new Map<string, number>(), new Map<string, number>()];
  let n = 0;
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  while (performance.now() < end) {
    for (let k = 0; k < 10000; k++) {
      const w = WORDS[n++ & 3]!;
      const m = counters[(hashValue(w) >>> 0) % 2]!;
      m.set(w, (m.get(w) ?? 0) + (w === 'dog' ? 10 : 1));
    }
  }
  return n / ((performance.now() - start) / 1000);
}

async function squall(tracked: boolean, seconds: number): Promise<{ tps: number; completeLatencyMs: number; failed: number }> {
  const b = new TopologyBuilder();
  b.setSpout('word', () => new BenchSpout(tracked));
  b.setBolt('count', CountBolt, 2).fieldsGrouping('word', ['word']);
  const cluster = await LocalCluster.create();
  // Storm's defaults otherwise: max spout pending unset, one acker.
  const conf = tracked ? {} : { 'topology.acker.executors': 0 };
  const t = await cluster.submitTopology(`bench-${tracked ? 'acking' : 'noack'}`, conf, b.createTopology());
  await new Promise((r) => setTimeout(r, 1000)); // warm-up
  const first = t.stats();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const last = t.stats();
  const elapsed = (performance.now() - t0) / 1000;
  await cluster.shutdown();
  const measured = tracked ? last.word!.acked - first.word!.acked : last.count!.executed - first.count!.executed;
  return { tps: measured / elapsed, completeLatencyMs: last.word!.completeLatencyMs, failed: last.word!.failed };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const si = args.indexOf('--seconds');
  const seconds = si >= 0 ? Number(args[si + 1]) : 5;
  const base = baseline(seconds);
  const noack = await squall(false, seconds);
  const acking = await squall(true, seconds);
  const windowed = await windowedCount(() => new BenchSpout(false), seconds);
  const result = {
    benchmark: 'local mode: spout -> fields grouping -> counting bolt (2 tasks), one process',
    seconds,
    node: process.version,
    baselineTuplesPerSec: Math.round(base),
    ackingOffTuplesPerSec: Math.round(noack.tps),
    ackingOnTuplesPerSec: Math.round(acking.tps),
    ackingOnCompleteLatencyMs: acking.completeLatencyMs,
    ackingOnFailed: acking.failed,
    windowedSliding10sBy1sTuplesPerSec: Math.round(windowed.tps),
    windowedFirings: windowed.firings,
    windowedPeakHeapMb: windowed.peakHeapMb,
    ratios: {
      ackingOffVsBaseline: Math.round((noack.tps / base) * 1000) / 1000,
      ackingOnVsBaseline: Math.round((acking.tps / base) * 1000) / 1000,
      ackingOnVsOff: Math.round((acking.tps / noack.tps) * 1000) / 1000,
      windowedVsAckingOff: Math.round((windowed.tps / noack.tps) * 1000) / 1000,
    },
    targets: { ackingOffTuplesPerSec: 2_000_000, ackingOnTuplesPerSec: 500_000 },
  };
  if (json) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const f = (n: number) => Math.round(n).toLocaleString('en-US').padStart(12);
  console.log(result.benchmark);
  console.log(`measured ${seconds}s each after 1s warm-up, ${process.version}`);
  console.log(`  baseline (plain loop)      ${f(base)} tuples/s`);
  console.log(`  squall, acking off         ${f(noack.tps)} tuples/s   ${result.ratios.ackingOffVsBaseline}x baseline   (target >= 2,000,000)`);
  console.log(`  squall, acking on          ${f(acking.tps)} tuples/s   ${result.ratios.ackingOnVsBaseline}x baseline   (target >= 500,000)`);
  console.log(`  acking on / off            ${result.ratios.ackingOnVsOff}`);
  console.log(`  acking on: mean complete latency ${acking.completeLatencyMs} ms, failed ${acking.failed}`);
  console.log(`  windowed count, sliding 10 s / 1 s, acking off, window full (11 s warm-up) ${f(windowed.tps)} tuples/s   ${result.ratios.windowedVsAckingOff}x acking off   (${windowed.firings} firings, peak heap ${windowed.peakHeapMb} MB)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
