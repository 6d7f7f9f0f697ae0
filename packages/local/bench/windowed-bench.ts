/**
 * The windowed side of `npm run bench`: the same spout → fields grouping → counting bolt (2 tasks), acking off, with
 * the counter a windowed bolt over a sliding 10 s window firing every 1 s (counts kept incrementally from each
 * firing's new and expired tuples, as a rolling count does).
 */
import { Duration, TopologyBuilder, WindowedBolt, type Spout, type TupleWindow } from '@squall/api';
import { LocalCluster } from '../src';

class WindowedCountBolt extends WindowedBolt {
  private readonly counts = new Map<string, number>();
  firings = 0;
  override execute(w: TupleWindow): void {
    this.firings++;
    for (const t of w.getNew()) {
      const word = t.getString(0);
      this.counts.set(word, (this.counts.get(word) ?? 0) + (word === 'dog' ? 10 : 1));
    }
    for (const t of w.getExpired()) {
      const word = t.getString(0);
      this.counts.set(word, (this.counts.get(word) ?? 0) - (word === 'dog' ? 10 : 1));
    }
  }
}

/** Result of {@link windowedCount}. */
export interface WindowedResult {
  tps: number;
  /** Firings of the window seen by all counter tasks during the measurement. */
  firings: number;
  /** Largest heap used, sampled every 100 ms, MB. */
  peakHeapMb: number;
}

/**
 * Runs the windowed count for `seconds` after an 11 s warm-up, so the window is full (it holds the last 10 s of
 * tuples) for the whole measurement; tuples/s are the counter's executed tuples.
 */
export async function windowedCount(spout: () => Spout, seconds: number): Promise<WindowedResult> {
  const bolts: WindowedCountBolt[] = [];
  const b = new TopologyBuilder();
  b.setSpout('word', spout);
  b.setBolt(
    'count',
    () => {
      const bolt = new WindowedCountBolt().withWindow(Duration.seconds(10), Duration.seconds(1));
      bolts.push(bolt);
      return bolt;
    },
    2,
  ).fieldsGrouping('word', ['word']);
  const cluster = await LocalCluster.create();
  const t = await cluster.submitTopology('bench-windowed', { 'topology.acker.executors': 0 }, b.createTopology());
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 100);
  await new Promise((r) => setTimeout(r, 11_000));
  const first = t.stats();
  const firings0 = bolts.reduce((n, x) => n + x.firings, 0);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const last = t.stats();
  const elapsed = (performance.now() - t0) / 1000;
  const firings = bolts.reduce((n, x) => n + x.firings, 0) - firings0;
  clearInterval(sampler);
  await cluster.shutdown();
  return { tps: (last.count!.executed - first.count!.executed) / elapsed, firings, peakHeapMb: Math.round(peak / 1e6) };
}
