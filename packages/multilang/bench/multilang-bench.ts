/**
 * `npm run bench:multilang [-- --seconds N] [-- --rounds R] [-- --json]`: the seed's Python WordCountBolt driven
 * through Squall (a native spout → fields grouping → ShellBolt running `python3 -m squall.run
 * bolts.wordcount.WordCountBolt`, local mode) against a minimal driver that feeds the same child directly over its
 * pipes (packages/multilang/python/tests/throughput.py: the child's own limit), in JSON and msgpack modes, with the
 * same topology.shellbolt.max.pending (100).
 *
 * This machine's speed drifts by up to 2x over tens of seconds (a shared VM), so the two are measured in alternating
 * rounds: a direct run, then a window of the Squall topology (deactivated while the direct run goes, so the two never
 * compete for CPU), R times; the ratio reported is the median of the per-round ratios. Throughput through Squall
 * counts the inputs the child acked. The child's CPU per tuple (user + system, from /proc) is reported for both sides:
 * it tells whether a gap is the host leaving the child idle or the child working harder per tuple.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Spout, TopologyBuilder, fields, type OutputFieldsDeclarer } from '@squall/api';
import { LocalCluster, type LocalTopology } from '@squall/local';
import { ShellBolt } from '../src';
import {
  SpoutThroughSquall,
  directSpout,
  msgpackPython,
  spoutChildren,
  type SpoutChild,
  type SpoutSample,
} from './spout-rounds';

const PYTHON_DIR = path.resolve(__dirname, '../../python');
const EXAMPLE_DIR = path.resolve(__dirname, '../../../../examples/wordcount-python');
const WORDS = ['dog', 'cat', 'zebra', 'elephant'];
const MAX_PENDING = 100;
/** Kernel clock ticks per second (USER_HZ), the unit of utime/stime in /proc/<pid>/stat. */
const CLOCK_TICKS = 100;

type Serializer = 'json' | 'msgpack';

class WordSpout extends Spout {
  private i = 0;
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word']);
  }
  override nextTuple(): void {
    this.collector.emit([WORDS[this.i++ & 3]!]);
  }
}

interface Sample {
  tuplesPerSec: number;
  /** Child CPU (user + system) per tuple, microseconds. */
  childCpuUsPerTuple: number;
}

function direct(serializer: Serializer, n: number, python: string): Sample {
  const r = spawnSync(
    python,
    ['tests/throughput.py', '-n', String(n), '-s', serializer, '--repeat', '1', '--max-pending', String(MAX_PENDING)],
    { cwd: PYTHON_DIR, encoding: 'utf8' },
  );
  const m = r.stdout.match(
    new RegExp(`^${serializer}\\s+(?:median\\s+)?([\\d,]+) tuples/s.*child CPU ([\\d.]+) us/tuple`, 'm'),
  );
  if (!m) throw new Error(`throughput.py failed: ${r.stderr || r.stdout}`);
  return { tuplesPerSec: Number(m[1]!.replace(/,/g, '')), childCpuUsPerTuple: Number(m[2]) };
}

/** User + system CPU seconds of a process so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The Squall side: one topology per serializer, activated only for its measuring windows. */
class ThroughSquall {
  private constructor(
    private readonly cluster: LocalCluster,
    private readonly topology: LocalTopology,
    private readonly name: string,
    private readonly bolt: () => ShellBolt,
  ) {}

  static async start(serializer: Serializer, python: string): Promise<ThroughSquall> {
    const bolts: ShellBolt[] = [];
    const b = new TopologyBuilder();
    b.setSpout('word', WordSpout);
    b.setBolt(
      'count',
      () => {
        const bolt = new ShellBolt({
          command: [python, '-m', 'squall.run', '-s', serializer, 'bolts.wordcount.WordCountBolt'],
          outputs: ['word', 'count'],
          serializer,
        });
        bolts.push(bolt);
        return bolt;
      },
      1,
    ).grouping('word', 'default', fields('word'));
    const cluster = await LocalCluster.create({ resourcesDir: EXAMPLE_DIR });
    const name = `ml-${serializer}`;
    const topology = await cluster.submitTopology(
      name,
      { 'topology.acker.executors': 0, 'topology.shellbolt.max.pending': MAX_PENDING },
      b.createTopology(),
    );
    const q = new ThroughSquall(cluster, topology, name, () => bolts.find((x) => x.childPid !== undefined)!);
    const start = Date.now();
    while (q.acked() === 0 && Date.now() - start < 20000) await sleep(50);
    if (q.acked() === 0)
      throw new Error(`no tuple acked by the ${serializer} child in 20 s: ${JSON.stringify(topology.errors())}`);
    await sleep(1000); // warm-up
    await q.pause();
    return q;
  }

  private acked(): number {
    return this.topology.stats().count?.acked ?? 0;
  }

  /** Deactivates the spout and waits until the child has worked off what the bolt held. */
  private async pause(): Promise<void> {
    this.cluster.deactivate(this.name);
    let last = -1;
    while (this.acked() !== last) {
      last = this.acked();
      await sleep(200);
    }
  }

  async measure(seconds: number): Promise<Sample> {
    this.cluster.activate(this.name);
    await sleep(500); // the bolt's queue fills again
    const pid = this.bolt().childPid!;
    const a0 = this.acked();
    const c0 = cpuSeconds(pid);
    const t0 = process.hrtime.bigint();
    await sleep(seconds * 1000);
    const n = this.acked() - a0;
    const cpu = cpuSeconds(pid) - c0;
    const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
    await this.pause();
    return { tuplesPerSec: n / elapsed, childCpuUsPerTuple: (cpu / n) * 1e6 };
  }

  async stop(): Promise<void> {
    await this.cluster.shutdown();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

interface SerializerResult {
  directTuplesPerSec: number;
  squallTuplesPerSec: number;
  /** Median of the per-round ratios. */
  ratio: number;
  directChildCpuUsPerTuple: number;
  squallChildCpuUsPerTuple: number;
  rounds: Array<{ direct: Sample; squall: Sample; ratio: number }>;
}

async function benchSerializer(
  serializer: Serializer,
  rounds: number,
  seconds: number,
  python = 'python3',
): Promise<SerializerResult> {
  const squall = await ThroughSquall.start(serializer, python);
  const out: SerializerResult['rounds'] = [];
  try {
    // The direct run is sized to last about as long as a Squall window.
    let n = 100000;
    for (let r = 0; r < rounds; r++) {
      const d = direct(serializer, n, python);
      n = Math.max(20000, Math.round(d.tuplesPerSec * seconds));
      const q = await squall.measure(seconds);
      out.push({
        direct: { tuplesPerSec: Math.round(d.tuplesPerSec), childCpuUsPerTuple: round1(d.childCpuUsPerTuple) },
        squall: { tuplesPerSec: Math.round(q.tuplesPerSec), childCpuUsPerTuple: round1(q.childCpuUsPerTuple) },
        ratio: round3(q.tuplesPerSec / d.tuplesPerSec),
      });
    }
  } finally {
    await squall.stop();
  }
  return {
    directTuplesPerSec: Math.round(median(out.map((r) => r.direct.tuplesPerSec))),
    squallTuplesPerSec: Math.round(median(out.map((r) => r.squall.tuplesPerSec))),
    ratio: round3(median(out.map((r) => r.ratio))),
    directChildCpuUsPerTuple: round1(median(out.map((r) => r.direct.childCpuUsPerTuple))),
    squallChildCpuUsPerTuple: round1(median(out.map((r) => r.squall.childCpuUsPerTuple))),
    rounds: out,
  };
}

interface SpoutResult {
  label: string;
  directTuplesPerSec: number;
  squallTuplesPerSec: number;
  /** Median of the per-round ratios. */
  ratio: number;
  directChildCpuUsPerTuple: number;
  squallChildCpuUsPerTuple: number;
  rounds: Array<{ direct: SpoutSample; squall: SpoutSample; ratio: number }>;
}

async function benchSpout(child: SpoutChild, index: number, rounds: number, seconds: number): Promise<SpoutResult> {
  const squall = await SpoutThroughSquall.start(child, index);
  const out: SpoutResult['rounds'] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const d = await directSpout(child, seconds);
      const q = await squall.measure(seconds);
      out.push({
        direct: { tuplesPerSec: Math.round(d.tuplesPerSec), childCpuUsPerTuple: round1(d.childCpuUsPerTuple) },
        squall: { tuplesPerSec: Math.round(q.tuplesPerSec), childCpuUsPerTuple: round1(q.childCpuUsPerTuple) },
        ratio: round3(q.tuplesPerSec / d.tuplesPerSec),
      });
    }
  } finally {
    await squall.stop();
  }
  return {
    label: child.label,
    directTuplesPerSec: Math.round(median(out.map((r) => r.direct.tuplesPerSec))),
    squallTuplesPerSec: Math.round(median(out.map((r) => r.squall.tuplesPerSec))),
    ratio: round3(median(out.map((r) => r.ratio))),
    directChildCpuUsPerTuple: round1(median(out.map((r) => r.direct.childCpuUsPerTuple))),
    squallChildCpuUsPerTuple: round1(median(out.map((r) => r.squall.childCpuUsPerTuple))),
    rounds: out,
  };
}

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v <= 0)
    throw new Error(`${name} needs a positive number, got ${JSON.stringify(args[i + 1])}`);
  return v;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const seconds = option(args, '--seconds', 3);
  const rounds = Math.round(option(args, '--rounds', 5));
  const log = (s: string) => !json && process.stderr.write(s + '\n');
  // `--part bolts|spouts`: only one half.
  const part = args.includes('--part') ? args[args.indexOf('--part') + 1] : undefined;
  if (part !== undefined && part !== 'bolts' && part !== 'spouts')
    throw new Error(`--part needs 'bolts' or 'spouts', got ${JSON.stringify(part)}`);
  const results: Partial<Record<Serializer | 'msgpack-c', SerializerResult>> = {};
  // msgpack twice: the library's pure-Python code (python3 without the msgpack package), and the package's C
  // extension (a virtualenv with it from PyPI), when installable.
  const cPython = msgpackPython();
  if (!cPython.python)
    log(`  msgpack C extension not installable (${cPython.reason}): msgpack measured in pure Python only`);
  if (part !== 'spouts') {
    for (const s of ['json', 'msgpack'] as const) results[s] = await benchSerializer(s, rounds, seconds);
    if (cPython.python) results['msgpack-c'] = await benchSerializer('msgpack', rounds, seconds, cPython.python);
  }
  const spouts: SpoutResult[] = [];
  if (part !== 'bolts') {
    const children = spoutChildren(log, cPython.python);
    for (let i = 0; i < children.length; i++) {
      log(`spout: ${children[i]!.label}...`);
      spouts.push(await benchSpout(children[i]!, i, rounds, seconds));
    }
  }
  const out = {
    benchmark: `Python WordCountBolt: through Squall vs fed directly over its pipes (max pending ${MAX_PENDING}, ${rounds} alternating rounds of ${seconds} s, medians)`,
    spoutBenchmark: `Python WordSpout, one emit per next: through Squall (shell spout -> native bolt, acking off) vs driven directly over its pipes by a Node loop (next, read until sync), ${rounds} alternating rounds of ${seconds} s, medians`,
    seconds,
    rounds,
    results,
    spouts,
    target: { jsonRatio: 0.8, spoutRatio: 0.8 },
  };
  if (json) return void process.stdout.write(JSON.stringify(out) + '\n');
  const fmt = (x: number) => x.toLocaleString('en-US').padStart(8);
  if (spouts.length > 0) {
    console.log(out.spoutBenchmark);
    for (const r of spouts) {
      console.log(
        `  ${r.label.padEnd(36)} direct ${fmt(r.directTuplesPerSec)} tuples/s   through squall ${fmt(r.squallTuplesPerSec)} tuples/s   ratio ${r.ratio}   (target >= 0.8)`,
      );
      console.log(
        `  ${''.padEnd(36)} child CPU per tuple: direct ${r.directChildCpuUsPerTuple} us, through squall ${r.squallChildCpuUsPerTuple} us; per-round ratios ${r.rounds.map((x) => x.ratio).join(', ')}`,
      );
    }
  }
  if (part === 'spouts') return;
  console.log(out.benchmark);
  for (const [s, r] of Object.entries(results)) {
    console.log(
      `  ${s.padEnd(8)} direct ${fmt(r.directTuplesPerSec)} tuples/s   through squall ${fmt(r.squallTuplesPerSec)} tuples/s   ratio ${r.ratio}${s === 'json' ? '   (target >= 0.8)' : ''}`,
    );
    console.log(
      `  ${''.padEnd(8)} child CPU per tuple: direct ${r.directChildCpuUsPerTuple} us, through squall ${r.squallChildCpuUsPerTuple} us; per-round ratios ${r.rounds.map((x) => x.ratio).join(', ')}`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
