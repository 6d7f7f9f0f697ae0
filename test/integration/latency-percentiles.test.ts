import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { findFreePort } from '@squall/cluster-state';
import { ROOT, TestCluster, eventually } from '../harness/test-cluster';

// Latency percentiles on a real cluster (ZooKeeper, nimbus, 2 supervisors, the UI daemon, workers: all processes),
// from a topology whose latencies are known: its bolt sleeps SLEEP_MS inside execute() and its spout keeps one tuple
// in flight, so every execute, process and complete latency is at least SLEEP_MS. The percentiles travel from the
// workers' histograms through nimbus's windows to `squall stats --json`, the REST API and Prometheus text; they
// must be at least SLEEP_MS (a histogram bucket's bound is never below its samples) and below a bound generous
// enough for a loaded machine.

const FIXTURE = path.join(ROOT, 'test/fixtures/sleepy-topology.ts');
const SLEEP_MS = 20;
/**
 * Enough trees that p99 leaves out the first few, which may wait for the workers to connect to each other (seconds
 * on a loaded machine): p99 of 300 samples is the 297th.
 */
const TUPLES = 300;
/** Above any plausible latency of a 20 ms sleep plus a hop and an ack, however loaded the machine. */
const CEILING_MS = SLEEP_MS * 50;
let cluster: TestCluster;
let metricsPort = 0;
let topologyId = '';

interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

function assertKnown(where: string, p: Percentiles | undefined): void {
  assert.ok(p, `${where}: percentiles present`);
  for (const k of ['p50', 'p99', 'max'] as const)
    assert.ok(p[k] >= SLEEP_MS, `${where}: ${k} ${p[k]} ms >= ${SLEEP_MS} ms`);
  // Not the max: it may be the first tree, sent before the workers were connected.
  for (const k of ['p50', 'p99'] as const) assert.ok(p[k] < CEILING_MS, `${where}: ${k} ${p[k]} ms < ${CEILING_MS} ms`);
  assert.ok(p.p50 <= p.p99 && p.p99 <= p.max, `${where}: p50 <= p99 <= max (${JSON.stringify(p)})`);
}

/** Prometheus text → series (name with labels) → value. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+) (\S+)$/.exec(line);
    assert.ok(m, `a sample line: ${line}`);
    out.set(m[1]!, m[2] === '+Inf' ? Infinity : Number(m[2]));
  }
  return out;
}

/** The `le` (seconds) of the first bucket of a histogram series holding the `q` quantile, as histogram_quantile picks it. */
function bucketQuantile(m: Map<string, number>, family: string, component: string, q: number): number {
  const prefix = `${family}_bucket{topology="sleepy",component="${component}",le="`;
  const buckets = [...m]
    .filter(([k]) => k.startsWith(prefix))
    .map(([k, v]) => ({ le: k.endsWith('le="+Inf"}') ? Infinity : Number(k.slice(prefix.length, -2)), count: v }))
    .sort((a, b) => a.le - b.le);
  const total = buckets.at(-1)!.count;
  assert.ok(total >= TUPLES, `${family} of ${component}: ${total} samples`);
  return buckets.find((b) => b.count >= q * total)!.le;
}

before(async () => {
  metricsPort = await findFreePort();
  cluster = await TestCluster.start({
    supervisors: 2,
    slotsPerSupervisor: 1,
    ui: true,
    conf: { 'nimbus.metrics.port': metricsPort },
  });
  const r = cluster.cli([
    'submit',
    FIXTURE,
    '--name',
    'sleepy',
    '--json',
    '-c',
    `squall.test.tuples=${TUPLES}`,
    '-c',
    `squall.test.sleep.ms=${SLEEP_MS}`,
    '-c',
    'topology.workers=2',
    '-c',
    'topology.max.spout.pending=1',
  ]);
  assert.equal(r.code, 0, r.stderr);
  topologyId = (JSON.parse(r.stdout) as { topologyId: string }).topologyId;
  // Nimbus learns the final counts with the next heartbeat of each worker.
  await eventually(
    'every tuple acked and executed, as nimbus reports it',
    () => {
      const c = cluster.stats('sleepy').components as Record<string, { acked: number; executed: number }>;
      return (c.words?.acked === TUPLES && c.sleep?.executed === TUPLES) || undefined;
    },
    180000,
  );
});
after(async () => {
  await cluster?.shutdown();
});

test('squall stats --json: p50, p99 and max of complete, process and execute latency from the workers histograms', () => {
  const c = cluster.stats('sleepy').components as unknown as Record<
    string,
    { latencyPercentilesMs: Record<'complete' | 'process' | 'execute', Percentiles>; completeLatencyMs: number }
  >;
  assertKnown('stats: words complete', c.words!.latencyPercentilesMs.complete);
  assertKnown('stats: sleep process', c.sleep!.latencyPercentilesMs.process);
  assertKnown('stats: sleep execute', c.sleep!.latencyPercentilesMs.execute);
  assert.ok(c.words!.completeLatencyMs >= SLEEP_MS, `mean complete latency ${c.words!.completeLatencyMs}`);
});

test('REST API: the component document carries the same percentiles, all-time and in the 10-minute window', async () => {
  for (const window of [':all-time', '600']) {
    const get = async (component: string) => {
      const res = await fetch(
        new URL(`/api/v1/topology/${topologyId}/component/${component}?window=${window}`, cluster.uiUrl),
      );
      assert.equal(res.status, 200);
      return ((await res.json()) as { latencyPercentilesMs: Record<'complete' | 'process' | 'execute', Percentiles> })
        .latencyPercentilesMs;
    };
    assertKnown(`REST ${window}: words complete`, (await get('words')).complete);
    const sleep = await get('sleep');
    assertKnown(`REST ${window}: sleep process`, sleep.process);
    assertKnown(`REST ${window}: sleep execute`, sleep.execute);
  }
});

test('Prometheus text on nimbus and the UI: histogram buckets put p50 and p99 at or above the sleep', async () => {
  for (const url of [`http://127.0.0.1:${metricsPort}/metrics`, new URL('/metrics', cluster.uiUrl).href]) {
    const m = parseMetrics(await (await fetch(url)).text());
    for (const [family, component] of [
      ['squall_component_complete_latency_seconds', 'words'],
      ['squall_component_process_latency_seconds', 'sleep'],
      ['squall_component_execute_latency_seconds', 'sleep'],
    ] as const) {
      for (const q of [0.5, 0.99]) {
        const le = bucketQuantile(m, family, component, q);
        assert.ok(
          le * 1000 >= SLEEP_MS && le * 1000 < CEILING_MS,
          `${url} ${family} ${component} q${q}: bucket le ${le} s`,
        );
      }
      const sum = m.get(`${family}_sum{topology="sleepy",component="${component}"}`)!;
      const count = m.get(`${family}_count{topology="sleepy",component="${component}"}`)!;
      assert.ok(sum / count >= SLEEP_MS / 1000, `${family} ${component}: mean ${sum / count} s`);
    }
    // prom-client's default process metrics come with the cluster's.
    assert.ok(m.has('process_cpu_user_seconds_total'), `${url}: process metrics`);
  }
});
