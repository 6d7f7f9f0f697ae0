import { LATENCY_BUCKET_COUNT, latencyBucketLowerBoundMs } from './latency-buckets';
import { pb } from './messages';

// Prometheus text exposition (format 0.0.4), shared by nimbus's and the UI daemon's /metrics so both expose the same
// names from the same RPC messages.

/** Content-Type of the Prometheus text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Label name → value. */
export type MetricLabels = Record<string, string>;

/** One metric family: a `# HELP`/`# TYPE` header and its samples. */
export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  /** Counter and gauge samples. */
  samples?: Array<{ labels: MetricLabels; value: number }>;
  /** Histogram samples: `buckets` are cumulative counts per upper bound `le` (seconds), the last `+Inf`. */
  histograms?: Array<{ labels: MetricLabels; buckets: Array<{ le: number; count: number }>; sum: number; count: number }>;
}

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function formatLabels(labels: MetricLabels, extra?: [string, string]): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

/** The families as Prometheus text; families without samples still get their HELP and TYPE lines. */
export function formatPrometheus(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples ?? []) lines.push(`${f.name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
    for (const h of f.histograms ?? []) {
      for (const b of h.buckets) lines.push(`${f.name}_bucket${formatLabels(h.labels, ['le', formatValue(b.le)])} ${formatValue(b.count)}`);
      lines.push(`${f.name}_sum${formatLabels(h.labels)} ${formatValue(h.sum)}`, `${f.name}_count${formatLabels(h.labels)} ${formatValue(h.count)}`);
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * A LatencySummary (log2 buckets of microseconds, see stats.proto) as a Prometheus histogram in seconds. Bucket i's
 * upper bound is 2^i µs; the last bucket is `+Inf`, whose count is the histogram's count.
 */
export function latencyHistogram(labels: MetricLabels, l: pb.ILatencySummary | null | undefined): NonNullable<MetricFamily['histograms']>[number] {
  const counts = (l?.buckets ?? []).map(Number);
  const total = counts.reduce((a, b) => a + b, 0);
  const count = total > 0 ? total : Number(l?.count ?? 0);
  const buckets: Array<{ le: number; count: number }> = [];
  let cumulative = 0;
  for (let i = 0; i < LATENCY_BUCKET_COUNT - 1; i++) {
    cumulative += counts[i] ?? 0;
    buckets.push({ le: latencyBucketLowerBoundMs(i + 1) / 1000, count: cumulative });
  }
  buckets.push({ le: Infinity, count });
  return { labels, buckets, sum: (l?.sumMs ?? 0) / 1000, count };
}

const STATUS_NAMES = ['UNSPECIFIED', 'ACTIVE', 'INACTIVE', 'REBALANCING', 'KILLED'];

/**
 * Squall's metrics from nimbus's RPC messages: cluster gauges from the cluster info, and per topology and component
 * (labels `topology` = name, `component`) all-time counters and latency histograms from each topology's info.
 */
export function clusterMetrics(cluster: pb.IClusterInfo, topologies: readonly pb.ITopologyInfo[]): MetricFamily[] {
  const supervisors = cluster.supervisors ?? [];
  const gauge = (name: string, help: string, value: number): MetricFamily => ({ name, help, type: 'gauge', samples: [{ labels: {}, value }] });
  const families: MetricFamily[] = [
    gauge('squall_nimbuses', 'Nimbus daemons registered (leader and standbys).', (cluster.nimbuses ?? []).length),
    gauge('squall_supervisors', 'Supervisors registered.', supervisors.length),
    gauge('squall_slots_total', 'Worker slots offered by all supervisors.', supervisors.reduce((n, s) => n + (s.slotsTotal ?? 0), 0)),
    gauge('squall_slots_used', 'Worker slots running a worker.', supervisors.reduce((n, s) => n + (s.slotsUsed ?? 0), 0)),
    gauge('squall_topologies', 'Topologies submitted and not removed.', (cluster.topologies ?? []).length),
  ];
  const perTopology = (name: string, help: string, f: (t: pb.ITopologySummary) => number): MetricFamily => ({
    name,
    help,
    type: 'gauge',
    samples: (cluster.topologies ?? []).map((t) => ({ labels: { topology: t.name ?? '' }, value: f(t) })),
  });
  families.push(
    perTopology('squall_topology_active', '1 while the topology is ACTIVE, else 0.', (t) => (t.status === 1 ? 1 : 0)),
    {
      name: 'squall_topology_status',
      help: 'Always 1; the status label is the topology status (ACTIVE, INACTIVE, REBALANCING, KILLED).',
      type: 'gauge',
      samples: (cluster.topologies ?? []).map((t) => ({ labels: { topology: t.name ?? '', status: STATUS_NAMES[t.status ?? 0] ?? 'UNSPECIFIED' }, value: 1 })),
    },
    perTopology('squall_topology_uptime_seconds', 'Seconds since the topology was submitted.', (t) => Number(t.uptimeSecs ?? 0)),
    perTopology('squall_topology_workers', 'Worker processes assigned to the topology.', (t) => t.numWorkers ?? 0),
    perTopology('squall_topology_executors', 'Executors assigned to the topology.', (t) => t.numExecutors ?? 0),
  );
  const components = topologies.flatMap((t) => (t.components ?? []).map((c) => ({ labels: { topology: t.summary?.name ?? '', component: c.component ?? '' }, c })));
  const counter = (name: string, help: string, f: (s: pb.IComponentStats) => number): MetricFamily => ({
    name,
    help,
    type: 'counter',
    samples: components.map(({ labels, c }) => ({ labels, value: f(c.stats ?? {}) })),
  });
  families.push(
    counter('squall_component_emitted_total', 'Tuples emitted by the component, all streams (exact, all time).', (s) => Number(s.emitted ?? 0)),
    counter('squall_component_transferred_total', 'Tuple deliveries to tasks (an emit to 3 tasks counts 3).', (s) => Number(s.transferred ?? 0)),
    counter('squall_component_executed_total', 'Input tuples executed (bolts).', (s) => Number(s.executed ?? 0)),
    counter('squall_component_acked_total', 'Spouts: tuple trees completed. Bolts: inputs acked.', (s) => Number(s.acked ?? 0)),
    counter('squall_component_failed_total', 'Spouts: tuple trees failed or timed out. Bolts: inputs failed.', (s) => Number(s.failed ?? 0)),
    {
      name: 'squall_component_capacity',
      help: "Fraction of time the busiest executor spent executing (Storm's capacity), over the component's uptime.",
      type: 'gauge',
      samples: components.map(({ labels, c }) => ({ labels, value: c.stats?.capacity ?? 0 })),
    },
  );
  const histogram = (name: string, help: string, kind: 'spout' | 'bolt', f: (s: pb.IComponentStats) => pb.ILatencySummary | null | undefined): MetricFamily => ({
    name,
    help,
    type: 'histogram',
    histograms: components
      .filter(({ c }) => (kind === 'spout' ? c.type === pb.ComponentType.COMPONENT_TYPE_SPOUT : c.type !== pb.ComponentType.COMPONENT_TYPE_SPOUT))
      .map(({ labels, c }) => latencyHistogram(labels, f(c.stats ?? {}))),
  });
  families.push(
    histogram('squall_component_complete_latency_seconds', 'Spouts: time from emit to the completion of the tuple tree.', 'spout', (s) => s.completeLatency),
    histogram('squall_component_process_latency_seconds', 'Bolts: time from receiving an input to acking it.', 'bolt', (s) => s.processLatency),
    histogram('squall_component_execute_latency_seconds', 'Bolts: time spent inside execute().', 'bolt', (s) => s.executeLatency),
  );
  return families;
}
