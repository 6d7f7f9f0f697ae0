import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExecutorStats, HISTOGRAM_BUCKETS, quantileMs } from '../src';
import { executorStatsFromProto, executorStatsToProto, latencyPercentiles } from '../src/wire';

test('an executor snapshot survives the protobuf round trip, histograms included (trailing empty buckets left out)', () => {
  const stats = new ExecutorStats('split', 3, 4, 'bolt', 0);
  stats.input('spout:default').executed = 5;
  stats.output('default').emitted = 30;
  for (const ms of [1, 2, 20, 20, 40]) stats.execute.record(ms);
  const snap = stats.snapshot(1000);
  const proto = executorStatsToProto(snap);
  assert.ok(proto.stats!.executeLatency!.buckets!.length < HISTOGRAM_BUCKETS, 'trimmed');
  const back = executorStatsFromProto(proto);
  assert.equal(quantileMs(back.histograms.execute, 0.5), quantileMs(snap.histograms.execute, 0.5));
  assert.equal(quantileMs(back.histograms.execute, 0.99), quantileMs(snap.histograms.execute, 0.99));
  assert.equal(back.histograms.execute.count, 5);
  assert.deepEqual(back.outputs, { default: { emitted: 30, transferred: 0 } });
});

test("a peer's oversized bucket list is cut to the layout's length", () => {
  const back = executorStatsFromProto({
    stats: { component: 'x', executeLatency: { count: 1, buckets: new Array<number>(100000).fill(1) } },
  });
  assert.equal(back.histograms.execute.counts.length, HISTOGRAM_BUCKETS);
});

test('percentiles of a LatencySummary come from its buckets; an empty one gives zeros', () => {
  const stats = new ExecutorStats('s', 1, 1, 'spout', 0);
  for (let i = 0; i < 100; i++) stats.complete.record(i < 90 ? 10 : 100);
  const p = latencyPercentiles(executorStatsToProto(stats.snapshot(1)).stats!.completeLatency);
  assert.ok(p.p50 >= 10 && p.p50 < 12, `p50 ${p.p50}`);
  assert.ok(p.p99 >= 100 && p.p99 <= 100, `p99 ${p.p99} (capped at the max)`);
  assert.equal(p.max, 100);
  assert.deepEqual(latencyPercentiles(undefined), { p50: 0, p99: 0, max: 0 });
});
