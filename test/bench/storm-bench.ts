/**
 * `npm run bench:storm [-- --rounds N] [-- --seconds N] [-- --warmup N] [-- --json]`: Apache Storm side by side with
 * Squall on this machine, in the same run. Builds the Java harness in bench/storm/ with Maven (Apache Storm 2.8.2
 * from Maven Central; offline first, then online), then, for each round and each case (the seed's word count with
 * acking off and on), runs Storm's LocalCluster (one JVM, bench/storm/.../StormBench.java) and Squall's local mode
 * (one Node process, storm-squall-side.ts), alternating which goes first. Both topologies have the same shape and
 * parallelism: 1 worker, spout ×1 → fields grouping → count bolt ×2, 1 acker when acking (0 when not), max spout
 * pending unset. Prints for each system the median over rounds of tuples/s, CPU per tuple (the process's CPU time over
 * the measured window / tuples) and the p50/p99 complete latency measured in the spout's `ack`, and the Squall/Storm
 * ratios. Needs a JDK (17+) and Maven: installed from Debian's packages when missing and running as root.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The repository root (this file runs from test/dist/bench). */
const ROOT = path.resolve(__dirname, '../../..');
const HARNESS = path.join(ROOT, 'bench/storm');
const CASES = ['noack', 'ack'] as const;
type Case = (typeof CASES)[number] | 'tvl';
type System = 'storm' | 'squall';

interface RunResult {
  rate?: number;
  system: System;
  case: Case;
  tuplesPerSec: number;
  tuples: number;
  cpuSeconds: number;
  failed: number;
  startupSeconds: number;
  p50Ms?: number;
  p99Ms?: number;
  stormVersion?: string;
  java?: string;
  node?: string;
}

function parseArgs(argv: string[]): {
  rounds: number;
  seconds: number;
  warmup: number;
  json: boolean;
  rates: number[];
} {
  const num = (flag: string, dflt: number, min: number): number => {
    const i = argv.indexOf(flag);
    if (i < 0) return dflt;
    const v = Number(argv[i + 1]);
    if (!Number.isFinite(v) || v < min)
      throw new Error(`${flag} needs a number >= ${min}, got ${JSON.stringify(argv[i + 1])}`);
    return v;
  };
  const ri = argv.indexOf('--rates');
  const rates =
    ri < 0
      ? [2000, 5000]
      : String(argv[ri + 1] ?? '')
          .split(',')
          .filter((x) => x !== '')
          .map(Number);
  if (ri >= 0 && (rates.length === 0 || rates.some((r) => !Number.isFinite(r) || r < 0))) {
    throw new Error(
      `--rates needs comma-separated sentences/s (0 or none to skip: --rates 0), got ${JSON.stringify(argv[ri + 1])}`,
    );
  }
  return {
    rounds: num('--rounds', 2, 1),
    seconds: num('--seconds', 5, 1),
    warmup: num('--warmup', 3, 0),
    json: argv.includes('--json'),
    rates: rates.filter((r) => r > 0),
  };
}

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

/** Java and Maven, from Debian's packages when missing and root; otherwise one clear line and exit 1. */
function ensureToolchain(log: (s: string) => void): void {
  if (has('java') && has('mvn') && has('javac')) return;
  if (process.getuid?.() !== 0) {
    console.error(
      'bench:storm needs a JDK (17+) and Maven on PATH: install them (Debian: apt-get install default-jdk-headless maven) and run again',
    );
    process.exit(1);
  }
  log('installing a JDK and Maven from Debian packages (apt-get install default-jdk-headless maven)');
  execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-q', 'default-jdk-headless', 'maven'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** Builds the harness; returns the java classpath. Offline first (a warm ~/.m2), then online. */
function buildHarness(log: (s: string) => void): string {
  const args = ['-B', '-q', 'package', 'dependency:build-classpath', '-Dmdep.outputFile=target/classpath.txt'];
  let r = spawnSync('mvn', ['-o', ...args], { cwd: HARNESS, encoding: 'utf8' });
  if (r.status !== 0) {
    log('building bench/storm with Maven (downloads Apache Storm from Maven Central the first time)');
    r = spawnSync('mvn', args, { cwd: HARNESS, encoding: 'utf8' });
  }
  if (r.status !== 0) {
    throw new Error(
      `mvn failed in ${HARNESS} (exit ${r.status}):\n${(r.stdout + r.stderr).split('\n').slice(-30).join('\n')}`,
    );
  }
  return `${path.join(HARNESS, 'target/classes')}:${readFileSync(path.join(HARNESS, 'target/classpath.txt'), 'utf8').trim()}`;
}

/** Runs one child to completion and returns its result line, parsed. Output other than the result line is kept for errors only. */
function runChild(cmd: string, args: string[], marker: string, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.length > 4_000_000) out = out.slice(-1_000_000);
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.length > 1_000_000) err = err.slice(-200_000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith(`${marker} `));
      if (code !== 0 || !line) {
        const tail = (out + err).split('\n').slice(-30).join('\n');
        reject(new Error(`${cmd} ${args.slice(-3).join(' ')} exited ${code ?? signal} without a result:\n${tail}`));
        return;
      }
      resolve(JSON.parse(line.slice(marker.length + 1)) as RunResult);
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const r3 = (x: number): number => Math.round(x * 1000) / 1000;
/** Three significant digits, so a ratio of 0.0003 does not print as 0. */
const sig3 = (x: number): number => Number(x.toPrecision(3));

function summarize(runs: RunResult[]): {
  tuplesPerSec: number;
  cpuMicrosPerTuple: number;
  p50Ms: number | null;
  p99Ms: number | null;
  failed: number;
  rounds: number[];
} {
  const lat = runs.filter((r) => r.p50Ms !== undefined);
  return {
    tuplesPerSec: Math.round(median(runs.map((r) => r.tuplesPerSec))),
    cpuMicrosPerTuple: r3(median(runs.map((r) => (r.cpuSeconds / r.tuples) * 1e6))),
    p50Ms: lat.length ? r3(median(lat.map((r) => r.p50Ms!))) : null,
    p99Ms: lat.length ? r3(median(lat.map((r) => r.p99Ms!))) : null,
    failed: runs.reduce((a, r) => a + r.failed, 0),
    rounds: runs.map((r) => Math.round(r.tuplesPerSec)),
  };
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const log = (s: string): void => {
    if (!opts.json) console.log(s);
    else process.stderr.write(`${s}\n`);
  };
  ensureToolchain(log);
  const cp = buildHarness(log);
  const javaVersion = spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr.split('\n')[0] ?? '';
  const squallSide = path.join(ROOT, 'test/dist/bench/storm-squall-side.js');
  if (!existsSync(squallSide)) throw new Error(`${squallSide} is missing: run npm run build`);
  const loadBefore = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  const timeoutMs = (opts.seconds + opts.warmup + 120) * 1000;
  const runs: RunResult[] = [];
  const order: string[] = [];
  const jobs: { c: Case; rate?: number }[] = [
    ...CASES.map((c) => ({ c })),
    ...opts.rates.map((rate) => ({ c: 'tvl' as const, rate })),
  ];
  for (let round = 0; round < opts.rounds; round++) {
    for (const { c, rate } of jobs) {
      const systems: System[] = round % 2 === 0 ? ['storm', 'squall'] : ['squall', 'storm'];
      for (const sys of systems) {
        const args = [c, String(opts.seconds), String(opts.warmup), ...(rate ? [String(rate)] : [])];
        const r =
          sys === 'storm'
            ? await runChild('java', ['-cp', cp, 'squall.bench.StormBench', ...args], 'STORM_BENCH_RESULT', timeoutMs)
            : await runChild(process.execPath, [squallSide, ...args], 'SQUALL_BENCH_RESULT', timeoutMs);
        if (rate) r.rate = rate;
        runs.push(r);
        order.push(`${sys}:${c}${rate ? `@${rate}` : ''}`);
        log(
          `  round ${round + 1} ${sys.padEnd(6)} ${c === 'tvl' ? `tvl ${rate}/s` : `acking ${c === 'ack' ? 'on ' : 'off'}`} ${Math.round(r.tuplesPerSec).toLocaleString('en-US').padStart(10)} tuples/s` +
            `  ${((r.cpuSeconds / r.tuples) * 1e6).toFixed(3)} µs CPU/tuple${r.p99Ms !== undefined ? `  p50 ${r.p50Ms!.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms` : ''}${r.failed ? `  failed ${r.failed}` : ''}`,
        );
      }
    }
  }
  const loadAfter = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  const results = jobs.map(({ c, rate }) => {
    const storm = summarize(runs.filter((r) => r.system === 'storm' && r.case === c && r.rate === rate));
    const squall = summarize(runs.filter((r) => r.system === 'squall' && r.case === c && r.rate === rate));
    return {
      case: c === 'tvl' ? `tvl ${rate}/s` : c === 'ack' ? 'acking on' : 'acking off',
      targetRate: rate ?? null,
      storm,
      squall,
      ratios: {
        throughputSquallVsStorm: sig3(squall.tuplesPerSec / storm.tuplesPerSec),
        cpuPerTupleSquallVsStorm: sig3(squall.cpuMicrosPerTuple / storm.cpuMicrosPerTuple),
        p50SquallVsStorm: squall.p50Ms !== null && storm.p50Ms ? sig3(squall.p50Ms / storm.p50Ms) : null,
        p99SquallVsStorm: squall.p99Ms !== null && storm.p99Ms ? sig3(squall.p99Ms / storm.p99Ms) : null,
      },
    };
  });
  const stormRun = runs.find((r) => r.system === 'storm');
  const report = {
    benchmark:
      'Apache Storm LocalCluster vs Squall local mode, 1 worker each, Storm defaults otherwise (max spout pending unset). Word count: word spout x1 -> fields -> count x2, acking off and on. tvl R/s (ThroughputVsLatency shape): sentence spout x1 at R sentences/s with message ids -> shuffle -> split x2 -> fields -> count x2, acking on; tuples/s there are acked sentence trees',
    parity:
      'same topology shape and parallelism on both sides: 1 worker, the executor counts above, 1 acker executor when acking (0 when not); latency measured the same way in the spout (message id = emit time)',
    note: "Storm runs its executors on JVM threads (it may use both cores); Squall local mode runs the topology on one Node event loop (one core). CPU per tuple is each whole process's CPU time over the measured window divided by tuples counted (acked trees when acking, count-bolt executes when not).",
    stormVersion: stormRun?.stormVersion,
    java: javaVersion,
    node: process.version,
    rounds: opts.rounds,
    secondsPerRun: opts.seconds,
    warmupSeconds: opts.warmup,
    order,
    cores: os.cpus().length,
    loadAverageBefore: loadBefore,
    loadAverageAfter: loadAfter,
    results,
    targets: { ackingOnThroughputSquallVsStorm: 2, tvlP99SquallVsStorm: '< 1 at the same rate' },
  };
  if (opts.json) {
    process.stdout.write(JSON.stringify(report) + '\n');
    return;
  }
  const f = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(11);
  const ms = (x: number | null): string => (x === null ? '      -' : x.toFixed(2).padStart(7));
  console.log('');
  console.log(report.benchmark);
  console.log(report.parity);
  console.log(report.note);
  console.log(
    `Apache Storm ${report.stormVersion} on ${javaVersion}; Squall on Node ${process.version}; ${report.cores} cores; load average before ${loadBefore}, after ${loadAfter}`,
  );
  console.log(
    `median of ${opts.rounds} round(s), ${opts.seconds}s measured after ${opts.warmup}s warm-up each, systems alternating`,
  );
  console.log('');
  console.log('case         system      tuples/s   µs CPU/tuple   p50 ms   p99 ms');
  for (const r of results) {
    for (const [name, s] of [
      ['storm', r.storm],
      ['squall', r.squall],
    ] as const) {
      console.log(
        `${r.case.padEnd(12)} ${name.padEnd(7)} ${f(s.tuplesPerSec)}   ${s.cpuMicrosPerTuple.toFixed(3).padStart(12)}  ${ms(s.p50Ms)}  ${ms(s.p99Ms)}${s.failed ? `   failed ${s.failed}` : ''}`,
      );
    }
    const q = r.ratios;
    console.log(
      `${r.case.padEnd(12)} squall/storm: throughput ${q.throughputSquallVsStorm}x, CPU per tuple ${q.cpuPerTupleSquallVsStorm}x` +
        (q.p50SquallVsStorm !== null ? `, p50 ${q.p50SquallVsStorm}x, p99 ${q.p99SquallVsStorm}x` : '') +
        (r.case === 'acking on'
          ? '   (target: throughput >= 2x)'
          : r.targetRate
            ? '   (target: p99 < 1x at the same rate)'
            : ''),
    );
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
