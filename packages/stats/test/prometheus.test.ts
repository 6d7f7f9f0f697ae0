import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pb } from '@squall/protocol';
import { HISTOGRAM_BUCKETS, LatencyHistogram } from '../src';
import { addGauge, latencyHistogram, MetricsExposition, registerClusterMetrics, Registry } from '../src/prometheus';

const cluster: pb.IClusterInfo = {
  nimbuses: [{ host: 'n', port: 1, isLeader: true }],
  supervisors: [{ id: 's', slotsTotal: 4, slotsUsed: 1 }],
  topologies: [
    { id: 'wc-1-1', name: 'wc', status: pb.TopologyStatus.TOPOLOGY_STATUS_ACTIVE, numWorkers: 1 },
    { id: 'w-2-2', name: 'we"ird\\name\n', status: pb.TopologyStatus.TOPOLOGY_STATUS_INACTIVE, numWorkers: 1 },
  ],
};

function summary(samplesMs: number[]): pb.ILatencySummary {
  const h = new LatencyHistogram();
  for (const ms of samplesMs) h.record(ms);
  return { count: h.count, sumMs: h.sumMs, maxMs: h.maxMs, buckets: Array.from(h.counts) };
}

const topologies: pb.ITopologyInfo[] = [
  {
    summary: { id: 'wc-1-1', name: 'wc' },
    components: [
      {
        component: 'words',
        type: pb.ComponentType.COMPONENT_TYPE_SPOUT,
        stats: { emitted: 7, acked: 6, failed: 1, completeLatency: summary([3, 3, 3, 3, 3, 3]) },
      },
      {
        component: 'count',
        type: pb.ComponentType.COMPONENT_TYPE_BOLT,
        stats: { executed: 7, executeLatency: summary([0.0015, 0.0015, 0.0015, 0.0015, 0.0015, 0.0015, 0.0015]) },
      },
    ],
  },
];

test('latency histogram: cumulative counts at powers of two of microseconds, exact against the layout', () => {
  const h = latencyHistogram({ c: 'x' }, summary([0.0015, 0.003, 0.003, 20, 20, 20]));
  assert.equal(h.buckets.length, 32);
  assert.deepEqual(h.buckets.slice(0, 4), [
    { le: 0.000001, count: 0 },
    { le: 0.000002, count: 1 },
    { le: 0.000004, count: 3 },
    { le: 0.000008, count: 3 },
  ]);
  // 20 ms lies in (2^14, 2^15] µs = (16.4, 32.8] ms.
  assert.equal(h.buckets.find((b) => b.le === 2 ** 14 / 1e6)!.count, 3);
  assert.equal(h.buckets.find((b) => b.le === 2 ** 15 / 1e6)!.count, 6);
  assert.deepEqual(h.buckets.at(-1), { le: Infinity, count: 6 });
  assert.equal(h.count, 6);
  assert.ok(Math.abs(h.sum - 0.0600075) < 1e-12, String(h.sum));
  // A sample beyond the last power of two counts only in +Inf.
  const slow = latencyHistogram({}, summary([2 ** 31 / 1000]));
  assert.equal(slow.buckets.at(-2)!.count, 0);
  assert.equal(slow.buckets.at(-1)!.count, 1);
  assert.equal(HISTOGRAM_BUCKETS, 129);
});

test('cluster metrics through prom-client: names, labels escaped, counters, histograms; each family once', async () => {
  const registry = new Registry();
  registerClusterMetrics(registry, cluster, topologies);
  const text = await registry.metrics();
  assert.match(text, /^# HELP squall_supervisors Supervisors registered\.$/m);
  assert.match(text, /^# TYPE squall_supervisors gauge$/m);
  assert.match(text, /^squall_supervisors 1$/m);
  assert.match(text, /^squall_slots_used 1$/m);
  assert.match(text, /^squall_topology_active\{topology="wc"\} 1$/m);
  assert.match(text, /^squall_topology_status\{topology="wc",status="ACTIVE"\} 1$/m);
  assert.ok(
    text.includes('squall_topology_status{topology="we\\"ird\\\\name\\n",status="INACTIVE"} 1'),
    'label value escaped',
  );
  assert.match(text, /^# TYPE squall_component_acked_total counter$/m);
  assert.match(text, /^squall_component_acked_total\{topology="wc",component="words"\} 6$/m);
  assert.match(text, /^squall_component_executed_total\{topology="wc",component="count"\} 7$/m);
  assert.match(text, /^# TYPE squall_component_complete_latency_seconds histogram$/m);
  assert.match(text, /^squall_component_complete_latency_seconds_count\{topology="wc",component="words"\} 6$/m);
  assert.match(
    text,
    /^squall_component_complete_latency_seconds_bucket\{topology="wc",component="words",le="0.002048"\} 0$/m,
  );
  assert.match(
    text,
    /^squall_component_complete_latency_seconds_bucket\{topology="wc",component="words",le="0.004096"\} 6$/m,
  );
  assert.match(text, /^squall_component_complete_latency_seconds_sum\{topology="wc",component="words"\} 0.018$/m);
  assert.match(
    text,
    /^squall_component_execute_latency_seconds_bucket\{topology="wc",component="count",le="0.000002"\} 7$/m,
  );
  assert.match(
    text,
    /^squall_component_execute_latency_seconds_bucket\{topology="wc",component="count",le="\+Inf"\} 7$/m,
  );
  assert.doesNotMatch(
    text,
    /complete_latency_seconds_count\{topology="wc",component="count"\}/,
    'complete latency is a spout metric',
  );
  const families = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]);
  assert.equal(new Set(families).size, families.length, 'each family once');
  assert.ok(text.endsWith('\n'));
});

test('exposition: the scrape metrics, extra daemon metrics and the default process metrics, twice in a row', async () => {
  const exposition = new MetricsExposition();
  for (let i = 0; i < 2; i++) {
    const text = await exposition.text(cluster, topologies, (r) =>
      addGauge(r, 'squall_nimbus_is_leader', 'leader', [{ labels: { nimbus: 'n:1' }, value: 1 }]),
    );
    assert.match(text, /^squall_nimbus_is_leader\{nimbus="n:1"\} 1$/m);
    assert.match(text, /^squall_nimbuses 1$/m);
    assert.match(text, /^# TYPE process_cpu_seconds_total counter$/m);
    assert.match(text, /^nodejs_heap_size_used_bytes \d+/m);
  }
});
