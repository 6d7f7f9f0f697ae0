/**
 * The spout rounds of `npm run bench:multilang`: a Python spout that emits one word per `next` (the word-count
 * example's WordSpout, on Squall's Python library and on pystorm) through Squall (ShellSpout → shuffle → a native
 * counting bolt, local mode, acking off), alternating with the same child driven directly by a minimal Node driver
 * (`next`, read until `sync`, repeat: the child's own limit). Squall's side counts the tuples the bolt executed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Bolt, TopologyBuilder, type Tuple } from '@squall/api';
import { LocalCluster, type LocalTopology } from '@squall/local';
import { ShellSpout } from '../src';
import { childEnvironment } from '../src/child-env';
import { JsonCodec, MsgpackCodec, type DecodedMessage, type Serializer, type WireCodec } from '../src/wire';

const PYTHON_DIR = path.resolve(__dirname, '../../python');
const COMPAT_DIR = path.join(PYTHON_DIR, 'compat');
const EXAMPLE_DIR = path.resolve(__dirname, '../../../../examples/wordcount-python');
const STREAMPARSE_SRC = path.resolve(__dirname, '../../../../examples/wordcount-streamparse/src');
const CLOCK_TICKS = 100;

/** One spout child to measure. */
export interface SpoutChild {
  label: string;
  command: string[];
  cwd: string;
  serializer: Serializer;
  /** PYTHONPATH entries the child needs (Squall's library, or nothing for a venv's own packages). */
  pythonPath: string[];
}

/**
 * A Python with `pkg` from PyPI, in a virtualenv kept in the temp directory under `dirName` (a marker says it is
 * complete). Undefined with a reason when the virtualenv cannot be made or pip cannot install it.
 */
function pythonWith(pkg: string, dirName: string): { python?: string; reason?: string } {
  const venv = path.join(tmpdir(), dirName);
  const python = path.join(venv, 'bin', 'python');
  const marker = path.join(venv, '.squall-ready');
  if (existsSync(marker)) return { python };
  spawnSync('rm', ['-rf', venv]);
  const made = spawnSync('python3', ['-m', 'venv', venv], { encoding: 'utf8' });
  if (made.status !== 0) return { reason: `python3 -m venv failed: ${made.stderr.trim()}` };
  const pip = spawnSync(python, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', pkg], {
    encoding: 'utf8',
    timeout: 300000,
  });
  if (pip.status !== 0)
    return { reason: `pip cannot install ${pkg} from PyPI (${pip.stderr.trim().split('\n').pop()})` };
  writeFileSync(marker, '');
  return { python };
}

/** The real pystorm (with streamparse) from PyPI, in the virtualenv the multilang tests use. */
export function realPystormPython(): { python?: string; reason?: string } {
  return pythonWith('streamparse', 'squall-test-real-streamparse');
}

/** A Python with the `msgpack` package (its C extension) from PyPI. */
export function msgpackPython(): { python?: string; reason?: string } {
  return pythonWith('msgpack', 'squall-bench-msgpack');
}

/**
 * The children measured: Squall's library (JSON, msgpack in pure Python, msgpack with the C extension when `cPython`
 * has it) and pystorm (the real one when installable).
 */
export function spoutChildren(log: (s: string) => void, cPython?: string): SpoutChild[] {
  const squall = (serializer: Serializer, python = 'python3'): SpoutChild => ({
    label: `squall library, ${serializer}${python === 'python3' ? '' : ' (C extension)'}`,
    command: [python, '-m', 'squall.run', '-s', serializer, 'spouts.words.WordSpout'],
    cwd: EXAMPLE_DIR,
    serializer,
    pythonPath: [PYTHON_DIR],
  });
  const real = realPystormPython();
  let pystorm: SpoutChild;
  if (real.python) {
    pystorm = {
      label: 'pystorm 3 (PyPI), json',
      command: [real.python, '-m', 'streamparse.run', 'spouts.words.WordSpout'],
      cwd: STREAMPARSE_SRC,
      serializer: 'json',
      pythonPath: [],
    };
  } else {
    log(`  real pystorm not installable (${real.reason}): measuring Squall's pystorm stand-in instead`);
    pystorm = {
      label: "pystorm stand-in (Squall's), json",
      command: ['python3', '-m', 'streamparse.run', 'spouts.words.WordSpout'],
      cwd: STREAMPARSE_SRC,
      serializer: 'json',
      pythonPath: [COMPAT_DIR, PYTHON_DIR],
    };
  }
  return [squall('json'), squall('msgpack'), ...(cPython ? [squall('msgpack', cPython)] : []), pystorm];
}

export interface SpoutSample {
  tuplesPerSec: number;
  /** Child CPU (user + system) per tuple, microseconds. */
  childCpuUsPerTuple: number;
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function env(child: SpoutChild): NodeJS.ProcessEnv {
  return childEnvironment(
    process.env,
    [child.pythonPath.length > 0 ? { PYTHONPATH: child.pythonPath.join(path.delimiter) } : undefined],
    undefined,
  );
}

/**
 * Drives a spout child directly for `seconds`: handshake, then `next` → read until `sync`, repeated; counts emits.
 */
export async function directSpout(child: SpoutChild, seconds: number): Promise<SpoutSample> {
  const pidDir = mkdtempSync(path.join(tmpdir(), 'squall-spout-bench-'));
  const proc = spawn(child.command[0]!, child.command.slice(1), {
    cwd: child.cwd,
    env: env(child),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const codec: WireCodec = child.serializer === 'json' ? new JsonCodec() : new MsgpackCodec();
  const write = (m: Record<string, unknown>) => proc.stdin.write(codec.encode(m));
  let emits = 0;
  let onSync: (() => void) | undefined;
  let onPid: (() => void) | undefined;
  let failure: Error | undefined;
  proc.on('exit', (code) => (failure ??= new Error(`${child.label}: child exited with ${code}`)));
  proc.stdout.on('data', (chunk: Buffer) => {
    let messages: DecodedMessage[];
    try {
      messages = codec.feed(chunk);
    } catch (err) {
      failure = err as Error;
      return;
    }
    for (const m of messages) {
      const body = m.body as Record<string, unknown>;
      if (body.command === 'emit') emits++;
      else if (body.command === 'sync') onSync?.();
      else if (body.pid !== undefined) onPid?.();
    }
  });
  try {
    const context = {
      taskid: 1,
      componentid: 'word',
      'task->component': { '1': 'word', '2': 'count' },
      'stream->target->grouping': {},
      'source->stream->fields': {},
      'stream->outputfields': { default: ['word'] },
    };
    await new Promise<void>((resolve) => {
      onPid = resolve;
      write({ conf: {}, pidDir, context });
    });
    await new Promise<void>((resolve) => {
      onSync = resolve;
      write({ command: 'activate', id: '' });
    });
    const pid = proc.pid!;
    const c0 = cpuSeconds(pid);
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    emits = 0;
    while (performance.now() < end) {
      if (failure) throw failure;
      await new Promise<void>((resolve) => {
        onSync = resolve;
        write({ command: 'next', id: '' });
      });
    }
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(pid) - c0;
    return { tuplesPerSec: emits / elapsed, childCpuUsPerTuple: (cpu / emits) * 1e6 };
  } finally {
    proc.kill('SIGKILL');
    rmSync(pidDir, { recursive: true, force: true });
  }
}

class CountBolt extends Bolt {
  private readonly counts = new Map<string, number>();
  override execute(t: Tuple): void {
    const w = t.getString(0);
    this.counts.set(w, (this.counts.get(w) ?? 0) + 1);
  }
}

/** The Squall side: the child as a ShellSpout feeding a native bolt, activated only for its measuring windows. */
export class SpoutThroughSquall {
  private constructor(
    private readonly cluster: LocalCluster,
    private readonly topology: LocalTopology,
    private readonly name: string,
    private readonly spout: () => ShellSpout,
  ) {}

  static async start(
    child: SpoutChild,
    index: number,
    conf: Record<string, unknown> = {},
  ): Promise<SpoutThroughSquall> {
    const spouts: ShellSpout[] = [];
    const b = new TopologyBuilder();
    b.setSpout('word', () => {
      const s = new ShellSpout({
        command: child.command,
        outputs: ['word'],
        serializer: child.serializer,
        env: child.pythonPath.length > 0 ? { PYTHONPATH: child.pythonPath.join(path.delimiter) } : {},
      });
      spouts.push(s);
      return s;
    });
    b.setBolt('count', CountBolt, 1).shuffleGrouping('word');
    const cluster = await LocalCluster.create({ resourcesDir: child.cwd });
    const name = `ml-spout-${index}`;
    const topology = await cluster.submitTopology(name, { 'topology.acker.executors': 0, ...conf }, b.createTopology());
    const q = new SpoutThroughSquall(cluster, topology, name, () => spouts.find((s) => s.childPid !== undefined)!);
    const start = Date.now();
    while (q.executed() === 0 && Date.now() - start < 20000) await sleep(50);
    if (q.executed() === 0)
      throw new Error(`no tuple from the ${child.label} spout in 20 s: ${JSON.stringify(topology.errors())}`);
    await sleep(1000); // warm-up
    await q.pause();
    return q;
  }

  private executed(): number {
    return this.topology.stats().count?.executed ?? 0;
  }

  private async pause(): Promise<void> {
    this.cluster.deactivate(this.name);
    let last = -1;
    while (this.executed() !== last) {
      last = this.executed();
      await sleep(200);
    }
  }

  async measure(seconds: number): Promise<SpoutSample> {
    this.cluster.activate(this.name);
    await sleep(300);
    const pid = this.spout().childPid!;
    const n0 = this.executed();
    const c0 = cpuSeconds(pid);
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const n = this.executed() - n0;
    const cpu = cpuSeconds(pid) - c0;
    const elapsed = (performance.now() - t0) / 1000;
    await this.pause();
    return { tuplesPerSec: n / elapsed, childCpuUsPerTuple: (cpu / n) * 1e6 };
  }

  async stop(): Promise<void> {
    await this.cluster.shutdown();
  }
}
