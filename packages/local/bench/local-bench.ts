/**
 * `npm run bench [-- --seconds N] [-- --rounds R] [-- --json]`: local-mode throughput of spout → fields grouping →
 * counting bolt, acking off and on, side by side with a baseline in the same run: a plain loop doing the same work
 * (pick the next word, hash it to one of two counters like fields grouping, count it), and the stateful count (see
 * stateful-bench.ts) at-least-once and exactly-once, each as a ratio to the plain count with acking on of its round.
 * The five alternate in R rounds (default 3); reports tuples/s and the median of the per-round ratios. Everything runs
 * on this process's single event loop, i.e. one CPU core. Then the windowed count (see windowed-bench.ts), reported as a
 * ratio to the plain count with acking off. `--only on|off` runs one Squall side once, for `node --cpu-prof`.
 */
import { Bolt, Spout, TopologyBuilder, type OutputFieldsDeclarer, type ReplayableSpout, type Tuple } from '@squall/api';
import { hashValue } from '@squall/engine';
import { LocalCluster } from '../src';
import { statefulCount, type StatefulResult } from './stateful-bench';
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
  stateful: StatefulResult;
  exactlyOnce: StatefulResult;
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
    const stateful = await statefulCount(() => new BenchSpout(true), seconds);
    const exactlyOnce = await statefulCount(() => new ReplayableBenchSpout(true), seconds, {
      'topology.state.guarantee': 'exactly-once',
    });
    out.push({
      baseline: base,
      ackingOff: noack.tps,
      ackingOn: acking.tps,
      completeLatencyMs: acking.completeLatencyMs,
      failed: acking.failed,
      stateful,
      exactlyOnce,
    });
    if (!json) {
      const n = (x: number) => Math.round(x).toLocaleString('en-US');
      process.stderr.write(
        `  round ${i + 1}: baseline ${n(base)}, acking off ${n(noack.tps)}, on ${n(acking.tps)} tuples/s (on/off ${(acking.tps / noack.tps).toFixed(3)}); stateful ${n(stateful.tps)} (${(stateful.tps / acking.tps).toFixed(3)}x on), exactly-once ${n(exactlyOnce.tps)} (${(exactlyOnce.tps / acking.tps).toFixed(3)}x on)\n`,
      );
    }
  }
  const base = median(out.map((r) => r.baseline));
  const noack = median(out.map((r) => r.ackingOff));
  const acking = median(out.map((r) => r.ackingOn));
  const windowed = await windowedCount(() => new BenchSpout(false), seconds);
  // The round whose stateful (exactly-once) ratio is the median one, for its details.
  const medianRound = (pick: (r: Round) => StatefulResult): StatefulResult => {
    const sorted = [...out].sort((a, b) => pick(a).tps / a.ackingOn - pick(b).tps / b.ackingOn);
    return pick(sorted[(sorted.length - 1) >> 1]!);
  };
  const stateful = medianRound((r) => r.stateful);
  const exactlyOnce = medianRound((r) => r.exactlyOnce);
  const result = {
    benchmark: 'local mode: spout -> fields grouping -> counting bolt (2 tasks), one process',
    seconds,
    rounds: out.map((r) => ({
      baselineTuplesPerSec: Math.round(r.baseline),
      ackingOffTuplesPerSec: Math.round(r.ackingOff),
      ackingOnTuplesPerSec: Math.round(r.ackingOn),
      ackingOnVsOff: round3(r.ackingOn / r.ackingOff),
      statefulTuplesPerSec: Math.round(r.stateful.tps),
      exactlyOnceTuplesPerSec: Math.round(r.exactlyOnce.tps),
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
    statefulAckedTuplesPerSec: Math.round(stateful.ackedTps),
    statefulCheckpoints: stateful.checkpoints,
    statefulCompleteLatencyMs: stateful.completeLatencyMs,
    statefulFailed: stateful.failed,
    exactlyOnceCheckpoint1sTuplesPerSec: Math.round(exactlyOnce.tps),
    exactlyOnceAckedTuplesPerSec: Math.round(exactlyOnce.ackedTps),
    exactlyOnceCheckpoints: exactlyOnce.checkpoints,
    exactlyOnceCompleteLatencyMs: exactlyOnce.completeLatencyMs,
    exactlyOnceFailed: exactlyOnce.failed,
    ratios: {
      ackingOffVsBaseline: round3(median(out.map((r) => r.ackingOff / r.baseline))),
      ackingOnVsBaseline: round3(median(out.map((r) => r.ackingOn / r.baseline))),
      ackingOnVsOff: round3(median(out.map((r) => r.ackingOn / r.ackingOff))),
      windowedVsAckingOff: Math.round((windowed.tps / noack) * 1000) / 1000,
      statefulVsAckingOn: round3(median(out.map((r) => r.stateful.tps / r.ackingOn))),
      exactlyOnceVsAckingOn: round3(median(out.map((r) => r.exactlyOnce.tps / r.ackingOn))),
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
    `  stateful count, checkpoint every 1 s (memory store), acking on ${f(stateful.tps)} tuples/s   ${result.ratios.statefulVsAckingOn}x acking on (target >= 0.8)   (${f(stateful.ackedTps).trim()} trees acked/s, ${stateful.checkpoints} checkpoints, mean complete latency ${Math.round(stateful.completeLatencyMs)} ms, failed ${stateful.failed})`,
  );
  console.log(
    `  exactly-once count, checkpoint every 1 s (memory store) ${f(exactlyOnce.tps)} tuples/s   ${result.ratios.exactlyOnceVsAckingOn}x acking on (target >= 0.65)   (${f(exactlyOnce.ackedTps).trim()} trees acked/s, ${exactlyOnce.checkpoints} checkpoints, mean complete latency ${Math.round(exactlyOnce.completeLatencyMs)} ms, failed ${exactlyOnce.failed})`,
  );
  console.log(
    `  windowed count, sliding 10 s / 1 s, acking off, window full (11 s warm-up) ${f(windowed.tps)} tuples/s   ${result.ratios.windowedVsAckingOff}x acking off   (${windowed.firings} firings, peak heap ${windowed.peakHeapMb} MB)`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
