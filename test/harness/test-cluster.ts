import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findFreePort, ZooKeeperServer } from '@squall/cluster-state';
import { createNimbusClient, tlsFilesFromConfig, type pb } from '@squall/protocol';

/** Repository root (test/dist/harness → ../../..). */
export const ROOT = path.resolve(__dirname, '../../..');
/** The squall CLI entry point. */
export const SQUALL = path.join(ROOT, 'packages/cli/dist/src/bin.js');

/** Polls `check` every 100 ms until it returns a value (not undefined/false) or the deadline passes. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A daemon process of the test cluster. */
export interface Daemon {
  name: string;
  child: ChildProcess;
  args: string[];
  log: string;
}

/** Options of {@link TestCluster.start}. */
export interface TestClusterOptions {
  supervisors?: number;
  slotsPerSupervisor?: number;
  /** Extra daemon config (key → value, YAML-typed when passed with -c). */
  conf?: Record<string, unknown>;
  /** Nimbus instances, all in `nimbus.seeds`; the first is started first (and so leads). @default 1 */
  nimbuses?: number;
  /** ZooKeeper's client port. @default a free one */
  zkPort?: number;
  /** Also start a `squall ui` daemon on a free port (see {@link TestCluster.uiUrl}). @default false */
  ui?: boolean;
}

/** Per-daemon extras of {@link TestCluster.startDaemon}. */
export interface DaemonOptions {
  /** Command run in front of node, e.g. `['ip', 'netns', 'exec', 'ns1']`. */
  prefix?: string[];
  /** Config for this daemon only; wins over the cluster's. */
  conf?: Record<string, unknown>;
}

/** Config that makes failures show quickly in tests (Storm's defaults are tuned for production). */
export const FAST_CONF: Record<string, unknown> = {
  'nimbus.monitor.freq.secs': 1,
  'supervisor.heartbeat.frequency.secs': 1,
  'worker.heartbeat.frequency.secs': 1,
  'supervisor.worker.timeout.secs': 10,
  'nimbus.task.timeout.secs': 10,
  'nimbus.supervisor.timeout.secs': 10,
  'supervisor.worker.shutdown.sleep.secs': 2,
  'storm.zookeeper.session.timeout': 6000,
};

/**
 * A real cluster on loopback for integration tests: a ZooKeeper from the OS install, a nimbus and N supervisors as
 * separate `squall` processes, everything on free ports under one temp dir. `shutdown()` stops every process it
 * started, including workers (found by the temp dir in their command line), even when a test failed.
 */
/**
 * A root supervisor runs workers as per-topology uids, which must reach this checkout's code. When a directory above
 * it is closed to other users (a clone in a 0700 temp dir), clusters run workers as root instead, said once on stderr;
 * test/integration/run-as-user.test.ts opens the way itself and always tests run-as-user.
 */
function runAsUserFallback(): Record<string, unknown> {
  if (process.getuid?.() !== 0) return {};
  const blocked = closedToOthers([path.join(ROOT, 'packages/worker/dist/src/main.js'), process.execPath]);
  if (!blocked) return {};
  if (!warnedRunAsUser)
    process.stderr.write(
      `test harness: ${blocked.dir} (mode 0${blocked.mode.toString(8)}) is closed to other users: test clusters run workers as root (supervisor.run.worker.as.user=false)\n`,
    );
  warnedRunAsUser = true;
  return { 'supervisor.run.worker.as.user': false };
}
let warnedRunAsUser = false;

/** The first directory on the way to one of `paths` that other users cannot search (no o+x), if any. */
export function closedToOthers(paths: readonly string[]): { dir: string; mode: number } | undefined {
  for (const p of paths) {
    const chain: string[] = [];
    for (let d = path.dirname(path.resolve(p)); ; d = path.dirname(d)) {
      chain.unshift(d);
      if (path.dirname(d) === d) break;
    }
    for (const dir of chain) {
      const mode = statSync(dir).mode & 0o7777;
      if ((mode & 0o001) === 0) return { dir, mode };
    }
  }
  return undefined;
}

export class TestCluster {
  readonly daemons: Daemon[] = [];
  private constructor(
    readonly dir: string,
    readonly zk: ZooKeeperServer,
    /** The nimbus `cli()` and `clusterInfo()` talk to; tests of failover point it at the new leader. */
    public nimbusAddress: string,
    readonly conf: Record<string, unknown>,
  ) {}

  static async start(options: TestClusterOptions = {}): Promise<TestCluster> {
    const dir = mkdtempSync(path.join(tmpdir(), 'squall-it-'));
    // Searchable by others: a root supervisor runs each topology's workers as a uid of its own (run-as-user).
    chmodSync(dir, 0o711);
    const zk = await ZooKeeperServer.start({
      dataDir: path.join(dir, 'zk'),
      ...(options.zkPort !== undefined ? { port: options.zkPort } : {}),
    });
    const nimbusPorts: number[] = [];
    for (let i = 0; i < (options.nimbuses ?? 1); i++) nimbusPorts.push(await findFreePort());
    const nimbusPort = nimbusPorts[0]!;
    const nimbusHost = String(options.conf?.['nimbus.host'] ?? '127.0.0.1');
    const conf: Record<string, unknown> = {
      ...FAST_CONF,
      ...runAsUserFallback(),
      'storm.zookeeper.servers': ['127.0.0.1'],
      'storm.zookeeper.port': zk.port,
      'nimbus.seeds': nimbusPorts.map((p) => `${nimbusHost}:${p}`),
      ...options.conf,
    };
    const cluster = new TestCluster(dir, zk, `${nimbusHost}:${nimbusPort}`, conf);
    cluster.nimbusAddresses.push(...nimbusPorts.map((p) => `${nimbusHost}:${p}`));
    try {
      cluster.startDaemon('nimbus', [
        'nimbus',
        '-c',
        `nimbus.port=${nimbusPort}`,
        '-c',
        `storm.local.dir=${path.join(dir, 'nimbus')}`,
      ]);
      // Standbys start once the first nimbus has taken the lead, so which one leads is known.
      if (nimbusPorts.length > 1)
        await eventually(
          'the first nimbus to lead',
          async () => (await cluster.clusterInfo()).nimbuses.some((n) => n.isLeader) || undefined,
          60000,
        );
      for (let i = 1; i < nimbusPorts.length; i++) cluster.startNimbus(i, nimbusPorts[i]!);
      for (let i = 0; i < (options.supervisors ?? 3); i++) await cluster.addSupervisor(options.slotsPerSupervisor ?? 2);
      await cluster.waitForSupervisors(options.supervisors ?? 3);
      // Every nimbus registers only once bound: a standby that could not start fails here, not in a later test.
      await eventually(
        `${nimbusPorts.length} nimbuses registered`,
        async () => (await cluster.clusterInfo()).nimbuses.length >= nimbusPorts.length || undefined,
        60000,
      );
      if (options.ui) await cluster.startUi();
    } catch (err) {
      await cluster.shutdown();
      throw err;
    }
    return cluster;
  }

  /** Addresses of every nimbus of the cluster (`nimbus.seeds`), first one first. */
  readonly nimbusAddresses: string[] = [];

  /** `http://127.0.0.1:<port>/` of the UI daemon once {@link startUi} ran, else ''. */
  uiUrl = '';

  /** Starts a `squall ui` daemon on a free port (`conf` for it only) and waits until its REST API answers. */
  async startUi(conf: Record<string, unknown> = {}): Promise<Daemon> {
    const port = await findFreePort();
    const d = this.startDaemon('ui', ['ui', '-c', `ui.port=${port}`], { conf });
    this.uiUrl = `http://127.0.0.1:${port}/`;
    await eventually(
      'the UI to answer',
      async () => (await fetch(`${this.uiUrl}api/v1/cluster/summary`)).ok || undefined,
      30000,
    );
    return d;
  }

  private confArgs(conf: Record<string, unknown> = this.conf): string[] {
    return Object.entries(conf).flatMap(([k, v]) => ['-c', `${k}=${JSON.stringify(v)}`]);
  }

  /** (Re)starts nimbus number `i` (0 is the first) on `port`, with its own local dir; named `nimbus` or `nimbus-<i>`. */
  startNimbus(i: number, port: number): Daemon {
    return this.startDaemon(i === 0 ? 'nimbus' : `nimbus-${i}`, [
      'nimbus',
      '-c',
      `nimbus.port=${port}`,
      '-c',
      `storm.local.dir=${path.join(this.dir, i === 0 ? 'nimbus' : `nimbus-${i}`)}`,
    ]);
  }

  /** Starts a daemon process (`squall <args>`), logging to a file in the cluster dir. */
  startDaemon(name: string, args: string[], options: DaemonOptions = {}): Daemon {
    const log = path.join(this.dir, `${name}.log`);
    const fullArgs = [SQUALL, ...args, ...this.confArgs(), ...this.confArgs(options.conf ?? {})];
    const out = openSync(log, 'a');
    const [cmd, ...pre] = [...(options.prefix ?? []), process.execPath];
    const child = spawn(cmd!, [...pre, ...fullArgs], { stdio: ['ignore', out, out] });
    const d: Daemon = { name, child, args, log };
    this.daemons.push(d);
    return d;
  }

  /** Adds a supervisor with `slots` free ports (or exactly `ports`); `options` can run it elsewhere (a netns). */
  async addSupervisor(slots = 2, explicitPorts?: number[], options: DaemonOptions = {}): Promise<Daemon> {
    const i = this.daemons.filter((d) => d.name.startsWith('supervisor')).length;
    const ports: number[] = explicitPorts ? [...explicitPorts] : [];
    for (let s = ports.length; s < slots; s++) ports.push(await findFreePort());
    return this.startDaemon(
      `supervisor-${i}`,
      [
        'supervisor',
        '-c',
        `supervisor.slots.ports=[${ports.join(',')}]`,
        '-c',
        `storm.local.dir=${path.join(this.dir, `supervisor-${i}`)}`,
      ],
      options,
    );
  }

  /** `squall <args>` with only `nimbus.seeds` to find the leader (no `--nimbus`). */
  cliSeeds(args: string[], timeoutMs = 60000): { code: number | null; stdout: string; stderr: string } {
    const r = spawnSync(
      process.execPath,
      [SQUALL, ...args, '-c', `nimbus.seeds=${JSON.stringify(this.conf['nimbus.seeds'])}`],
      { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs },
    );
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /** Cluster info from nimbus. */
  async clusterInfo(): Promise<pb.ClusterInfo> {
    const client = createNimbusClient(this.nimbusAddress, { tls: tlsFilesFromConfig(this.conf) });
    try {
      return await new Promise((resolve, reject) =>
        client.getClusterInfo({}, (err, res) => (err ? reject(err) : resolve(res!))),
      );
    } finally {
      client.close();
    }
  }

  async waitForSupervisors(n: number): Promise<void> {
    await eventually(
      `${n} supervisors registered`,
      async () => (await this.clusterInfo()).supervisors.length >= n || undefined,
      60000,
    );
  }

  /** Runs the squall CLI against this cluster; returns exit code and output. */
  cli(args: string[], timeoutMs = 60000): { code: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [SQUALL, ...args, '--nimbus', this.nimbusAddress], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: timeoutMs,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /** `squall stats --json`. */
  stats(name: string): StatsJson {
    const r = this.cli(['stats', name, '--json']);
    if (r.code !== 0) throw new Error(`squall stats failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as StatsJson;
  }

  /** Pids of worker processes of this cluster, optionally of one topology (their launch files live under its dir). */
  workerPids(topologyId = ''): number[] {
    const r = spawnSync('pgrep', ['-f', `${this.dir}/supervisor-[0-9]+/supervisor/workers/${topologyId}`], {
      encoding: 'utf8',
    });
    return r.stdout.split('\n').filter(Boolean).map(Number);
  }

  /** Every process of this cluster still alive (workers and shell components included). */
  leftoverPids(): number[] {
    const r = spawnSync('pgrep', ['-f', this.dir], { encoding: 'utf8' });
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map(Number)
      .filter((p) => p !== process.pid);
  }

  /** Contents of the worker logs of a topology, one string per worker. */
  workerLogs(topologyId: string): string[] {
    const out: string[] = [];
    for (const sup of readdirSync(this.dir).filter((d) => d.startsWith('supervisor-'))) {
      const workers = path.join(this.dir, sup, 'supervisor', 'workers');
      if (!existsSync(workers)) continue;
      for (const w of readdirSync(workers).filter((d) => d.startsWith(topologyId))) {
        const f = path.join(workers, w, 'worker.log');
        if (existsSync(f)) out.push(readFileSync(f, 'utf8'));
      }
    }
    return out;
  }

  /** A directory for a topology's test output (created by the topology). */
  outputDir(name: string): string {
    // Written by workers, which may run as a topology's own uid (run-as-user): open to every user, like /tmp.
    // The named dir is made here too, open to all: a test that creates it itself would make it root's alone.
    const out = path.join(this.dir, 'out');
    mkdirSync(out, { recursive: true });
    chmodSync(out, 0o1777);
    const dir = path.join(out, name);
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o777);
    return dir;
  }

  /** Stops everything: daemons (SIGTERM, then SIGKILL), leftover workers, ZooKeeper; removes the dir. */
  async shutdown(): Promise<void> {
    for (const d of this.daemons) if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGTERM');
    const deadline = Date.now() + 10000;
    while (this.daemons.some((d) => d.child.exitCode === null && d.child.signalCode === null) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    for (const d of this.daemons) if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGKILL');
    for (const pid of this.leftoverPids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await this.zk.shutdown();
    if (!process.env.SQUALL_KEEP_TEST_DIRS) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `squall stats --json` output. */
export interface StatsJson {
  topology: string;
  id: string;
  status: string;
  components: Record<
    string,
    { emitted: number; transferred: number; executed: number; acked: number; failed: number; executors: number }
  >;
  workers: Array<{ host: string; port: number; status: string; components: string[] }>;
  errors: Array<{ component: string; message: string }>;
}

/** A live process seen in /proc. */
export interface ProcInfo {
  pid: number;
  ppid: number;
  cmdline: string;
  cwd: string;
}

/** Every live process (zombies excluded) from /proc. */
export function listProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${name}/cwd`);
      } catch {
        // exited meanwhile, or not ours to read
      }
      out.push({ pid: Number(name), ppid: Number(fields[1]), cmdline, cwd });
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/**
 * Squall processes of a cluster dir still alive: daemons, workers and shell components (found by the dir in their
 * command line or working directory), ZooKeeper excluded.
 */
export function clusterProcesses(dir: string): ProcInfo[] {
  return listProcesses().filter(
    (p) =>
      p.pid !== process.pid &&
      !p.cmdline.includes('QuorumPeerMain') &&
      (p.cmdline.includes(dir) || p.cwd === dir || p.cwd.startsWith(`${dir}/`)),
  );
}

/** Lines of every file in `dir` whose name starts with `prefix`. */
export function readLines(dir: string, prefix: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix))
    .flatMap((f) => readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean));
}
