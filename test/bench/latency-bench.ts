/**
 * `npm run bench:latency [-- --rates 5000,10000,...] [-- --seconds N] [-- --warmup N] [-- --max-pending P]
 * [-- --conf k=v] [-- --json]`: Storm's ThroughputVsLatency shape (test/fixtures/throughput-vs-latency.ts: sentence
 * spout at a constant rate with message ids → shuffle → split → fields → count) on a real cluster of 2 workers
 * (ZooKeeper, nimbus, 2 supervisors with one slot each), at rising rates until the topology cannot keep up (achieved
 * under 90% of the target). For each rate it prints the achieved rate (trees acked per second, from the spout's own
 * counter), the workers' CPU, and the complete latency p50/p99/p99.9 from the spout's latency histogram as nimbus
 * reports it (the difference of two all-time histograms, taken `--seconds` apart after `--warmup` seconds at the
 * rate); then the highest rate whose p99 was under 50 ms. `--max-pending` sets the topology's max spout pending (default 20000); `--conf key=value` (repeatable)
 * adds topology config at submit.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createNimbusClient, tlsFilesFromConfig } from '@squall/protocol';
import { quantileMs, type HistogramSnapshot } from '@squall/stats';
import { cpuSeconds } from '../harness/process-cpu';
import { ROOT, TestCluster, eventually } from '../harness/test-cluster';

const TOPOLOGY = path.join(ROOT, 'test/fixtures/throughput-vs-latency.ts');
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Trees acked per second between two instants, from the spout's `<epoch ms> <acked>` lines. */
function ackedRate(file: string, fromMs: number, toMs: number): number {
  const points = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ').map(Number) as [number, number])
        .filter(([t]) => t >= fromMs && t <= toMs)
    : [];
  if (points.length < 2) return 0;
  const [t0, c0] = points[0]!;
  const [t1, c1] = points.at(-1)!;
  return ((c1 - c0) * 1000) / (t1 - t0);
}

/** The spout's all-time complete-latency histogram as nimbus reports it. */
async function completeHistogram(cluster: TestCluster, name: string): Promise<HistogramSnapshot> {
  const client = createNimbusClient(cluster.nimbusAddress, { tls: tlsFilesFromConfig(cluster.conf) });
  try {
    const info = await new Promise<import('@squall/protocol').pb.TopologyInfo>((resolve, reject) =>
      client.getTopologyInfo({ idOrName: name }, (err, res) => (err ? reject(err) : resolve(res!))),
    );
    const l = info.components.find((c) => c.component === 'spout')?.stats?.completeLatency;
    const counts = (l?.buckets ?? []).map(Number);
    return { counts, count: counts.reduce((a, b) => a + b, 0), sumMs: l?.sumMs ?? 0, maxMs: l?.maxMs ?? 0 };
  } finally {
    client.close();
  }
}

/** `newer - older`, bucket by bucket; the max is the highest non-empty bucket's (capped by the all-time max) via quantile 1. */
function between(newer: HistogramSnapshot, older: HistogramSnapshot): HistogramSnapshot {
  const counts = newer.counts.map((c, i) => Math.max(0, c - (older.counts[i] ?? 0)));
  return { counts, count: counts.reduce((a, b) => a + b, 0), sumMs: newer.sumMs - older.sumMs, maxMs: newer.maxMs };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const opt = (flag: string, def: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1]! : def);
  const rates = opt(
    '--rates',
    '2000,5000,10000,20000,30000,40000,50000,60000,80000,100000,120000,150000,200000,250000,300000,400000,500000',
  )
    .split(',')
    .map(Number);
  const seconds = Number(opt('--seconds', '10'));
  const warmup = Number(opt('--warmup', '4'));
  const maxPending = Number(opt('--max-pending', '20000'));
  // `--conf key=value`, repeatable: more topology config at submit (e.g. the spout wait strategy's settings).
  const extraConf = args.flatMap((a, i) => (a === '--conf' && args[i + 1] ? ['-c', args[i + 1]!] : []));
  const log = (s: string) => !json && process.stderr.write(s + '\n');

  const cluster = await TestCluster.start({ supervisors: 2, slotsPerSupervisor: 1 });
  const rows: Array<{
    targetRate: number;
    achievedRate: number;
    workerCpu: number[];
    p50Ms: number;
    p99Ms: number;
    p999Ms: number;
    meanMs: number;
    samples: number;
  }> = [];
  let placement: string[] = [];
  try {
    const control = path.join(cluster.dir, 'rate');
    const out = cluster.outputDir('tvl');
    // A trickle until both workers are up and acking, so the first rate does not start with a startup backlog.
    writeFileSync(control, '100');
    const childopts = process.env.SQUALL_BENCH_WORKER_CHILDOPTS
      ? ['-c', `topology.worker.childopts=${process.env.SQUALL_BENCH_WORKER_CHILDOPTS}`]
      : [];
    const r = cluster.cli([
      'submit',
      TOPOLOGY,
      '--name',
      'tvl',
      '--json',
      ...childopts,
      ...extraConf,
      '-c',
      'topology.workers=2',
      '-c',
      `topology.max.spout.pending=${maxPending}`,
      '-c',
      `squall.bench.control=${control}`,
      '-c',
      `squall.bench.out=${out}`,
    ]);
    if (r.code !== 0) throw new Error(r.stderr);
    const id = (JSON.parse(r.stdout) as { topologyId: string }).topologyId;
    await eventually(
      'the first trees acked',
      () => ackedRate(path.join(out, 'acked.log'), 0, Date.now()) > 0 || undefined,
      120000,
    );
    await eventually('both workers running', () => cluster.workerPids(id).length === 2 || undefined, 60000);
    await sleep(2000);
    // Where the components run: runs of one build differ a lot, and placement is one thing that can differ between them.
    placement = cluster.stats('tvl').workers.map((w) => `${w.port}: ${[...w.components].sort().join(', ')}`);
    log(`placement (worker port: components): ${placement.join(' | ')}`);
    log(`rate (sentences/s) | achieved | worker CPU (cores) | complete latency p50 / p99 / p99.9 (ms) | mean`);
    for (const rate of rates) {
      writeFileSync(control, String(rate));
      await sleep(warmup * 1000);
      const pids = cluster.workerPids(id);
      const cpu0 = pids.map(cpuSeconds);
      const h0 = await completeHistogram(cluster, 'tvl');
      const from = Date.now();
      await sleep(seconds * 1000);
      const to = Date.now();
      const h1 = await completeHistogram(cluster, 'tvl');
      const workerCpu = pids.map((p, i) => Math.round(((cpuSeconds(p) - cpu0[i]!) * 1000 * 100) / (to - from)) / 100);
      const h = between(h1, h0);
      const round = (x: number) => Math.round(x * 100) / 100;
      const row = {
        targetRate: rate,
        achievedRate: Math.round(ackedRate(path.join(out, 'acked.log'), from, to)),
        workerCpu,
        p50Ms: round(quantileMs(h, 0.5)),
        p99Ms: round(quantileMs(h, 0.99)),
        p999Ms: round(quantileMs(h, 0.999)),
        meanMs: h.count > 0 ? round(h.sumMs / h.count) : 0,
        samples: h.count,
      };
      rows.push(row);
      log(
        `${rate} | ${row.achievedRate} | ${workerCpu.join(' + ')} | ${row.p50Ms} / ${row.p99Ms} / ${row.p999Ms} | ${row.meanMs} (${h.count} trees)`,
      );
      if (row.achievedRate < 0.9 * rate) {
        log(`${rate}/s: achieved ${row.achievedRate}/s, under 90%: the topology cannot keep up; stopping`);
        break;
      }
    }
  } finally {
    await cluster.shutdown();
  }
  const under50 = rows.filter((r) => r.achievedRate >= 0.9 * r.targetRate && r.p99Ms < 50).at(-1);
  log(
    `highest rate with p99 < 50 ms: ${under50 ? `${under50.targetRate} sentences/s (p99 ${under50.p99Ms} ms)` : 'none'}`,
  );
  if (json)
    process.stdout.write(
      JSON.stringify({ placement, rows, highestRateP99Under50Ms: under50?.targetRate ?? null }) + '\n',
    );
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
