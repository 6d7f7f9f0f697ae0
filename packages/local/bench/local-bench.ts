/**
 * `npm run bench [-- --seconds N] [-- --rounds R] [-- --json]`: local-mode throughput of spout → fields grouping →
 * counting bolt, acking off and on, side by side with a baseline in the same run: a plain loop doing the same work
 * (pick the next word, hash it to one of two counters like fields grouping, count it). The three alternate in R rounds
 * (default 3); reports tuples/s and the median of the per-round ratios. Everything runs on this process's single
 * event loop, i.e. one CPU core. Then the windowed count (see windowed-bench.ts), reported as a ratio to the plain count
 * with acking off, and the stateful count (see stateful-bench.ts) at-least-once and exactly-once, each as a ratio to
 * the plain count with acking on. `--only on|off` runs one Squall side once, for `node --cpu-prof`.
 */
import { Bolt, Spout, TopologyBuilder, type OutputFieldsDeclarer, type ReplayableSpout, type Tuple } from '@squall/api';
import { hashValue } from '@squall/engine';
import { LocalCluster } from '../src';
import { statefulCount } from './stateful-bench';
import { windowedCount } from './windowed-bench';

const WORDS = ['dog', 'cat', 'zebra', 'elephant'];

class BenchSpout extends Spout {
  protected i = 0;
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

/** The bench spout, replayable (its position is its word index), for exactly-once state. */
class ReplayableBenchSpout extends BenchSpout implements ReplayableSpout<number> {
  snapshot(): number {
    return this.i;
  }
  restore(position: number | undefined): void {
    this.i = position ?? 0;
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

/**
 * One Squall side: tuples/s over the window, and tuples per second of this process's CPU time (user + system) over it,
 * which a busy shared machine disturbs much less than wall-clock throughput.
 */
async function squall(
  tracked: boolean,
  seconds: number,
): Promise<{ tps: number; tuplesPerCpuSec: number; completeLatencyMs: number; failed: number }> {
  const b = new TopologyBuilder();
  b.setSpout('word', () => new BenchSpout(tracked));
  b.setBolt('count', CountBolt, 2).fieldsGrouping('word', ['word']);
  const cluster = await LocalCluster.create();
  // Storm's defaults otherwise: max spout pending unset, one acker.
  const conf = tracked ? {} : { 'topology.acker.executors': 0 };
  const t = await cluster.submitTopology(`bench-${tracked ? 'acking' : 'noack'}`, conf, b.createTopology());
  await new Promise((r) => setTimeout(r, 1000)); // warm-up
  const first = t.stats();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const last = t.stats();
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSec = (cpu.user + cpu.system) / 1e6;
  await cluster.shutdown();
  const measured = tracked ? last.word!.acked - first.word!.acked : last.count!.executed - first.count!.executed;
  return {
    tps: measured / elapsed,
    tuplesPerCpuSec: measured / cpuSec,
    completeLatencyMs: last.word!.completeLatencyMs,
    failed: last.word!.failed,
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const round3 = (x: number) => Math.round(x * 1000) / 1000;

interface Round {
  baseline: number;
  ackingOff: number;
  ackingOn: number;
  completeLatencyMs: number;
  failed: number;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const num = (flag: string, def: number) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : def);
  const seconds = num('--seconds', 5);
  const rounds = num('--rounds', 3);
  // `--only on|off`: one Squall side alone, once (for profiling with node --cpu-prof); prints its JSON.
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  if (only !== undefined) {
    if (only !== 'on' && only !== 'off') throw new Error(`--only needs 'on' or 'off', got ${JSON.stringify(only)}`);
    process.stdout.write(JSON.stringify(await squall(only === 'on', seconds)) + '\n');
    return;
  }
  // The machine's speed drifts (a shared VM): the three sides alternate in rounds, ratios are medians of the rounds'.
  const out: Round[] = [];
  for (let i = 0; i < rounds; i++) {
    const base = baseline(seconds);
    const noack = await squall(false, seconds);
    const acking = await squall(true, seconds);
    out.push({
      baseline: base,
      ackingOff: noack.tps,
      ackingOn: acking.tps,
      completeLatencyMs: acking.completeLatencyMs,
      failed: acking.failed,
    });
    if (!json)
      process.stderr.write(
        `  round ${i + 1}: baseline ${Math.round(base).toLocaleString('en-US')}, acking off ${Math.round(noack.tps).toLocaleString('en-US')}, on ${Math.round(acking.tps).toLocaleString('en-US')} tuples/s (on/off ${(acking.tps / noack.tps).toFixed(3)})\n`,
      );
  }
  const base = median(out.map((r) => r.baseline));
  const noack = median(out.map((r) => r.ackingOff));
  const acking = median(out.map((r) => r.ackingOn));
  const windowed = await windowedCount(() => new BenchSpout(false), seconds);
  const stateful = await statefulCount(() => new BenchSpout(true), seconds);
  const exactlyOnce = await statefulCount(() => new ReplayableBenchSpout(true), seconds, {
    'topology.state.guarantee': 'exactly-once',
  });
  const result = {
    benchmark: 'local mode: spout -> fields grouping -> counting bolt (2 tasks), one process',
    seconds,
    rounds: out.map((r) => ({
      baselineTuplesPerSec: Math.round(r.baseline),
      ackingOffTuplesPerSec: Math.round(r.ackingOff),
      ackingOnTuplesPerSec: Math.round(r.ackingOn),
      ackingOnVsOff: round3(r.ackingOn / r.ackingOff),
    })),
    node: process.version,
    baselineTuplesPerSec: Math.round(base),
    ackingOffTuplesPerSec: Math.round(noack),
    ackingOnTuplesPerSec: Math.round(acking),
    ackingOnCompleteLatencyMs: median(out.map((r) => r.completeLatencyMs)),
    ackingOnFailed: out.reduce((a, r) => a + r.failed, 0),
    windowedSliding10sBy1sTuplesPerSec: Math.round(windowed.tps),
    windowedFirings: windowed.firings,
    windowedPeakHeapMb: windowed.peakHeapMb,
    statefulCheckpoint1sTuplesPerSec: Math.round(stateful.tps),
    statefulCheckpoints: stateful.checkpoints,
    statefulCompleteLatencyMs: stateful.completeLatencyMs,
    statefulFailed: stateful.failed,
    exactlyOnceCheckpoint1sTuplesPerSec: Math.round(exactlyOnce.tps),
    exactlyOnceCheckpoints: exactlyOnce.checkpoints,
    exactlyOnceCompleteLatencyMs: exactlyOnce.completeLatencyMs,
    exactlyOnceFailed: exactlyOnce.failed,
    ratios: {
      ackingOffVsBaseline: round3(median(out.map((r) => r.ackingOff / r.baseline))),
      ackingOnVsBaseline: round3(median(out.map((r) => r.ackingOn / r.baseline))),
      ackingOnVsOff: round3(median(out.map((r) => r.ackingOn / r.ackingOff))),
      windowedVsAckingOff: Math.round((windowed.tps / noack) * 1000) / 1000,
      statefulVsAckingOn: round3(stateful.tps / acking),
      exactlyOnceVsAckingOn: round3(exactlyOnce.tps / acking),
    },
    targets: {
      ackingOffTuplesPerSec: 2_000_000,
      ackingOnTuplesPerSec: 2_000_000,
      statefulVsAckingOn: 0.8,
      exactlyOnceVsAckingOn: 0.65,
    },
  };
  if (json) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const f = (n: number) => Math.round(n).toLocaleString('en-US').padStart(12);
  console.log(result.benchmark);
  console.log(`measured ${seconds}s each after 1s warm-up, ${rounds} alternating rounds (medians), ${process.version}`);
  console.log(`  baseline (plain loop)      ${f(base)} tuples/s`);
  console.log(
    `  squall, acking off         ${f(noack)} tuples/s   ${result.ratios.ackingOffVsBaseline}x baseline   (target >= 2,000,000)`,
  );
  console.log(
    `  squall, acking on          ${f(acking)} tuples/s   ${result.ratios.ackingOnVsBaseline}x baseline   (target >= 2,000,000)`,
  );
  console.log(`  acking on / off            ${result.ratios.ackingOnVsOff}`);
  console.log(
    `  acking on: mean complete latency ${result.ackingOnCompleteLatencyMs} ms, failed ${result.ackingOnFailed}`,
  );
  console.log(
    `  stateful count, checkpoint every 1 s (memory store), acking on ${f(stateful.tps)} tuples/s   ${result.ratios.statefulVsAckingOn}x acking on (target >= 0.8)   (${stateful.checkpoints} checkpoints, mean complete latency ${Math.round(stateful.completeLatencyMs)} ms, failed ${stateful.failed})`,
  );
  console.log(
    `  exactly-once count, checkpoint every 1 s (memory store) ${f(exactlyOnce.tps)} tuples/s   ${result.ratios.exactlyOnceVsAckingOn}x acking on (target >= 0.65)   (${exactlyOnce.checkpoints} checkpoints, mean complete latency ${Math.round(exactlyOnce.completeLatencyMs)} ms, failed ${exactlyOnce.failed})`,
  );
  console.log(
    `  windowed count, sliding 10 s / 1 s, acking off, window full (11 s warm-up) ${f(windowed.tps)} tuples/s   ${result.ratios.windowedVsAckingOff}x acking off   (${windowed.firings} firings, peak heap ${windowed.peakHeapMb} MB)`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
