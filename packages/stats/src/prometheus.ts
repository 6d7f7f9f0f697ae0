import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type MetricObjectWithValues,
  type MetricType,
  type MetricValueWithName,
} from 'prom-client';
import { pb } from '@squall/protocol';
import { HISTOGRAM_SUB_BUCKETS } from './histogram';
import { topologyStatusName } from './wire';

// Prometheus exposition through prom-client (registries, the text format, default process metrics), shared by
// nimbus's and the UI daemon's /metrics so both expose the same names from the same RPC messages.

/** Content-Type of the Prometheus text exposition format (0.0.4). */
export const PROMETHEUS_CONTENT_TYPE: string = Registry.PROMETHEUS_CONTENT_TYPE;

/** Label name → value. */
export type MetricLabels = Record<string, string>;

/** Prometheus `le` bounds of latency histograms: powers of two of microseconds, 1 µs .. 2^30 µs, in seconds. */
const LE_POWERS = 31;

// prom-client declares MetricType as an enum its JavaScript does not export; its value for histograms is the string.
const HISTOGRAM_TYPE = 'histogram' as unknown as MetricType;

/** One histogram's series: cumulative counts per `le` bound (seconds; the last is `+Inf`), sum and count. */
export interface HistogramSeries {
  labels: MetricLabels;
  buckets: Array<{ le: number; count: number }>;
  sum: number;
  count: number;
}

/**
 * A LatencySummary (the bucket layout of histogram.ts) as a Prometheus histogram in seconds. The `le` bounds are the
 * powers of two of microseconds from 1 µs to 2^30 µs, every fourth bound of the layout, so each is exact; the last
 * is `+Inf`, whose count is the histogram's.
 */
export function latencyHistogram(labels: MetricLabels, l: pb.ILatencySummary | null | undefined): HistogramSeries {
  const counts = (l?.buckets ?? []).map(Number);
  const total = counts.reduce((a, b) => a + b, 0);
  const count = total > 0 ? total : Number(l?.count ?? 0);
  const buckets: Array<{ le: number; count: number }> = [];
  let cumulative = 0;
  let next = 0;
  for (let k = 0; k < LE_POWERS; k++) {
    // Bucket i ends at 2^((i+1)/SUB) µs: those with i < SUB*k end at or below 2^k µs.
    for (; next < HISTOGRAM_SUB_BUCKETS * k && next < counts.length; next++) cumulative += counts[next]!;
    buckets.push({ le: 2 ** k / 1e6, count: cumulative });
  }
  buckets.push({ le: Infinity, count });
  return { labels, buckets, sum: (l?.sumMs ?? 0) / 1000, count };
}

/**
 * A histogram family whose series are given as bucket counts: nimbus reports cumulative histograms, which prom-client's
 * Histogram can only build one `observe()` at a time, so this one answers `get()` from the counts it is given and
 * leaves the formatting to prom-client.
 */
class CountedHistogram extends Histogram<string> {
  constructor(
    private readonly familyName: string,
    private readonly familyHelp: string,
    registry: Registry,
    private readonly series: readonly HistogramSeries[],
  ) {
    super({ name: familyName, help: familyHelp, labelNames: [], registers: [registry] });
  }

  override async get(): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
    return this.getForPromString();
  }

  /**
   * What prom-client's Registry formats for a histogram (15.x asks histograms for this rather than `get()`; the
   * exposition test fails if that changes).
   */
  async getForPromString(): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
    const name = this.familyName;
    const values: Array<MetricValueWithName<string>> = [];
    for (const s of this.series) {
      for (const b of s.buckets)
        values.push({
          metricName: `${name}_bucket`,
          labels: { ...s.labels, le: b.le === Infinity ? '+Inf' : String(b.le) },
          value: b.count,
        });
      values.push(
        { metricName: `${name}_sum`, labels: s.labels, value: s.sum },
        { metricName: `${name}_count`, labels: s.labels, value: s.count },
      );
    }
    return { name, help: this.familyHelp, type: HISTOGRAM_TYPE, values, aggregator: 'sum', collect: () => undefined };
  }
}

/** A gauge family with the given samples (an empty list still gets its HELP and TYPE lines). */
export function addGauge(
  registry: Registry,
  name: string,
  help: string,
  samples: ReadonlyArray<{ labels: MetricLabels; value: number }>,
): void {
  const labelNames = [...new Set(samples.flatMap((s) => Object.keys(s.labels)))];
  const g = new Gauge({ name, help, labelNames, registers: [registry] });
  for (const s of samples) g.set(s.labels, s.value);
}

function addCounter(
  registry: Registry,
  name: string,
  help: string,
  samples: ReadonlyArray<{ labels: MetricLabels; value: number }>,
): void {
  const labelNames = [...new Set(samples.flatMap((s) => Object.keys(s.labels)))];
  const c = new Counter({ name, help, labelNames, registers: [registry] });
  for (const s of samples) c.inc(s.labels, Math.max(0, s.value));
}

/**
 * Registers Squall's metrics from nimbus's RPC messages: cluster gauges from the cluster info, and per topology and
 * component (labels `topology` = name, `component`) all-time counters and latency histograms from each topology's info.
 */
export function registerClusterMetrics(
  registry: Registry,
  cluster: pb.IClusterInfo,
  topologies: readonly pb.ITopologyInfo[],
): void {
  const supervisors = cluster.supervisors ?? [];
  const gauge = (name: string, help: string, value: number) => addGauge(registry, name, help, [{ labels: {}, value }]);
  gauge('squall_nimbuses', 'Nimbus daemons registered (leader and standbys).', (cluster.nimbuses ?? []).length);
  gauge('squall_supervisors', 'Supervisors registered.', supervisors.length);
  gauge(
    'squall_slots_total',
    'Worker slots offered by all supervisors.',
    supervisors.reduce((n, s) => n + (s.slotsTotal ?? 0), 0),
  );
  gauge(
    'squall_slots_used',
    'Worker slots running a worker.',
    supervisors.reduce((n, s) => n + (s.slotsUsed ?? 0), 0),
  );
  gauge('squall_topologies', 'Topologies submitted and not removed.', (cluster.topologies ?? []).length);
  const perTopology = (name: string, help: string, f: (t: pb.ITopologySummary) => number) =>
    addGauge(
      registry,
      name,
      help,
      (cluster.topologies ?? []).map((t) => ({ labels: { topology: t.name ?? '' }, value: f(t) })),
    );
  perTopology('squall_topology_active', '1 while the topology is ACTIVE, else 0.', (t) =>
    t.status === pb.TopologyStatus.TOPOLOGY_STATUS_ACTIVE ? 1 : 0,
  );
  addGauge(
    registry,
    'squall_topology_status',
    'Always 1; the status label is the topology status (ACTIVE, INACTIVE, REBALANCING, KILLED).',
    (cluster.topologies ?? []).map((t) => ({
      labels: { topology: t.name ?? '', status: topologyStatusName(t.status) },
      value: 1,
    })),
  );
  perTopology('squall_topology_uptime_seconds', 'Seconds since the topology was submitted.', (t) =>
    Number(t.uptimeSecs ?? 0),
  );
  perTopology('squall_topology_workers', 'Worker processes assigned to the topology.', (t) => t.numWorkers ?? 0);
  perTopology('squall_topology_executors', 'Executors assigned to the topology.', (t) => t.numExecutors ?? 0);
  const components = topologies.flatMap((t) =>
    (t.components ?? []).map((c) => ({ labels: { topology: t.summary?.name ?? '', component: c.component ?? '' }, c })),
  );
  const counter = (name: string, help: string, f: (s: pb.IComponentStats) => number) =>
    addCounter(
      registry,
      name,
      help,
      components.map(({ labels, c }) => ({ labels, value: f(c.stats ?? {}) })),
    );
  counter('squall_component_emitted_total', 'Tuples emitted by the component, all streams (exact, all time).', (s) =>
    Number(s.emitted ?? 0),
  );
  counter('squall_component_transferred_total', 'Tuple deliveries to tasks (an emit to 3 tasks counts 3).', (s) =>
    Number(s.transferred ?? 0),
  );
  counter('squall_component_executed_total', 'Input tuples executed (bolts).', (s) => Number(s.executed ?? 0));
  counter('squall_component_acked_total', 'Spouts: tuple trees completed. Bolts: inputs acked.', (s) =>
    Number(s.acked ?? 0),
  );
  counter('squall_component_failed_total', 'Spouts: tuple trees failed or timed out. Bolts: inputs failed.', (s) =>
    Number(s.failed ?? 0),
  );
  addGauge(
    registry,
    'squall_component_capacity',
    "Fraction of time the busiest executor spent executing (Storm's capacity), over the component's uptime.",
    components.map(({ labels, c }) => ({ labels, value: c.stats?.capacity ?? 0 })),
  );
  const histogram = (
    name: string,
    help: string,
    kind: 'spout' | 'bolt',
    f: (s: pb.IComponentStats) => pb.ILatencySummary | null | undefined,
  ) =>
    new CountedHistogram(
      name,
      help,
      registry,
      components
        .filter(({ c }) =>
          kind === 'spout'
            ? c.type === pb.ComponentType.COMPONENT_TYPE_SPOUT
            : c.type !== pb.ComponentType.COMPONENT_TYPE_SPOUT,
        )
        .map(({ labels, c }) => latencyHistogram(labels, f(c.stats ?? {}))),
    );
  histogram(
    'squall_component_complete_latency_seconds',
    'Spouts: time from emit to the completion of the tuple tree.',
    'spout',
    (s) => s.completeLatency,
  );
  histogram(
    'squall_component_process_latency_seconds',
    'Bolts: time from receiving an input to acking it.',
    'bolt',
    (s) => s.processLatency,
  );
  histogram(
    'squall_component_execute_latency_seconds',
    'Bolts: time spent inside execute().',
    'bolt',
    (s) => s.executeLatency,
  );
}

/**
 * A daemon's /metrics: prom-client's default process metrics (CPU, memory, event loop, GC; collected for the life of
 * the process) followed by the cluster metrics built fresh for each scrape.
 */
export class MetricsExposition {
  private readonly process = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.process });
  }

  /** The exposition text; `extra` registers daemon-specific metrics into the scrape's registry. */
  async text(
    cluster: pb.IClusterInfo,
    topologies: readonly pb.ITopologyInfo[],
    extra?: (registry: Registry) => void,
  ): Promise<string> {
    const scrape = new Registry();
    extra?.(scrape);
    registerClusterMetrics(scrape, cluster, topologies);
    return (await scrape.metrics()) + (await this.process.metrics());
  }
}

export { Registry };
