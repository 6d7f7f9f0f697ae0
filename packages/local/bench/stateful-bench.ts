/**
 * The stateful side of `npm run bench`: the same tracked spout → fields grouping → counting bolt (2 tasks), with the
 * counter a StatefulBolt keeping its counts in a KeyValueState checkpointed every second (in-memory store), so acks
 * are held until each checkpoint commits. Compared with the plain tracked count in the same run.
 */
import { StatefulBolt, TopologyBuilder, type KeyValueState, type Spout, type Tuple } from '@squall/api';
import type { Config } from '@squall/core';
import { LocalCluster } from '../src';

class StatefulCountBolt extends StatefulBolt<string, number> {
  private counts!: KeyValueState<string, number>;
  override initState(state: KeyValueState<string, number>): void {
    this.counts = state;
  }
  override execute(t: Tuple): void {
    const w = t.getString(0);
    this.counts.put(w, this.counts.get(w, 0) + (w === 'dog' ? 10 : 1));
    this.collector.ack(t);
  }
}

/** Result of {@link statefulCount}. */
export interface StatefulResult {
  /**
   * Inputs the stateful bolt executed per second. The rate, rather than trees acked per second: at-least-once state
   * releases a checkpoint interval's acks at each commit, so acks counted over a few seconds depend on how many commits
   * the window happens to hold (measured: 0.7-1.2M acked/s in alternating runs of one build, while the executed rate
   * held within 10%).
   */
  tps: number;
  /** Spout tuples acked per second over the same window (each acked only after the checkpoint covering it committed). */
  ackedTps: number;
  /** Checkpoints committed during the measurement (COMMIT actions acked). */
  checkpoints: number;
  completeLatencyMs: number;
  failed: number;
}

/** Runs the stateful count for `seconds` after a 2 s warm-up, with `conf` over a 1 s checkpoint interval. */
export async function statefulCount(spout: () => Spout, seconds: number, conf: Config = {}): Promise<StatefulResult> {
  const b = new TopologyBuilder();
  b.setSpout('word', spout);
  b.setBolt('count', StatefulCountBolt, 2).fieldsGrouping('word', ['word']);
  const cluster = await LocalCluster.create();
  const t = await cluster.submitTopology(
    'bench-stateful',
    { 'topology.state.checkpoint.interval.ms': 1000, ...conf },
    b.createTopology(),
  );
  await new Promise((r) => setTimeout(r, 2000));
  const first = t.stats();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const last = t.stats();
  const elapsed = (performance.now() - t0) / 1000;
  await cluster.shutdown();
  return {
    tps: (last.count!.executed - first.count!.executed) / elapsed,
    ackedTps: (last.word!.acked - first.word!.acked) / elapsed,
    // Each checkpoint is a PREPARE and a COMMIT tuple of the checkpoint spout.
    checkpoints: Math.floor((last.$checkpointspout!.acked - first.$checkpointspout!.acked) / 2),
    completeLatencyMs: last.word!.completeLatencyMs,
    failed: last.word!.failed,
  };
}
