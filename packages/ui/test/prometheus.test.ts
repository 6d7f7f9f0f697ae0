import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterMetrics, formatPrometheus, latencyHistogram, pb } from '@squall/protocol';

test('exposition format: HELP and TYPE per family, escaped label values, histogram buckets, _sum and _count', () => {
  const text = formatPrometheus([
    { name: 'a_total', help: 'line one\nline two', type: 'counter', samples: [{ labels: { topology: 'we"ird\\name\n' }, value: 3 }] },
    { name: 'empty', help: 'no samples', type: 'gauge', samples: [] },
    { name: 'lat_seconds', help: 'h', type: 'histogram', histograms: [latencyHistogram({ c: 'x' }, { count: 3, sumMs: 6, buckets: [0, 1, 0, 2] })] },
  ]);
  const lines = text.split('\n');
  assert.equal(lines[0], '# HELP a_total line one\\nline two');
  assert.equal(lines[1], '# TYPE a_total counter');
  assert.equal(lines[2], 'a_total{topology="we\\"ird\\\\name\\n"} 3');
  assert.equal(lines[3], '# HELP empty no samples');
  assert.equal(lines[4], '# TYPE empty gauge');
  assert.equal(lines[7], 'lat_seconds_bucket{c="x",le="0.000001"} 0');
  assert.equal(lines[8], 'lat_seconds_bucket{c="x",le="0.000002"} 1');
  assert.equal(lines[10], 'lat_seconds_bucket{c="x",le="0.000008"} 3');
  assert.ok(lines.includes('lat_seconds_bucket{c="x",le="+Inf"} 3'));
  assert.ok(lines.includes('lat_seconds_sum{c="x"} 0.006'));
  assert.ok(lines.includes('lat_seconds_count{c="x"} 3'));
  assert.ok(text.endsWith('\n'));
});

test('cluster metrics: gauges from the cluster, counters and histograms per topology and component', () => {
  const families = clusterMetrics(
    {
      nimbuses: [{ host: 'n', port: 1, isLeader: true }],
      supervisors: [{ id: 's', slotsTotal: 4, slotsUsed: 1 }],
      topologies: [{ id: 'wc-1-1', name: 'wc', status: pb.TopologyStatus.TOPOLOGY_STATUS_ACTIVE, numWorkers: 1 }],
    },
    [
      {
        summary: { id: 'wc-1-1', name: 'wc' },
        components: [
          { component: 'words', type: pb.ComponentType.COMPONENT_TYPE_SPOUT, stats: { emitted: 7, acked: 6, failed: 1, completeLatency: { count: 6, sumMs: 12, buckets: [0, 0, 6] } } },
          { component: 'count', type: pb.ComponentType.COMPONENT_TYPE_BOLT, stats: { executed: 7, executeLatency: { count: 7, sumMs: 1, buckets: [7] } } },
        ],
      },
    ],
  );
  const text = formatPrometheus(families);
  assert.match(text, /^squall_supervisors 1$/m);
  assert.match(text, /^squall_slots_used 1$/m);
  assert.match(text, /^squall_topology_active\{topology="wc"\} 1$/m);
  assert.match(text, /^squall_topology_status\{topology="wc",status="ACTIVE"\} 1$/m);
  assert.match(text, /^squall_component_acked_total\{topology="wc",component="words"\} 6$/m);
  assert.match(text, /^squall_component_executed_total\{topology="wc",component="count"\} 7$/m);
  assert.match(text, /^squall_component_complete_latency_seconds_count\{topology="wc",component="words"\} 6$/m);
  assert.match(text, /^squall_component_execute_latency_seconds_bucket\{topology="wc",component="count",le="\+Inf"\} 7$/m);
  assert.doesNotMatch(text, /complete_latency_seconds_count\{topology="wc",component="count"\}/, 'complete latency is a spout metric');
  const names = families.map((f) => f.name);
  assert.equal(new Set(names).size, names.length, 'each family once');
});
