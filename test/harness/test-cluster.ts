import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findFreePort, ZooKeeperServer } from '@squall/cluster-state';
import { createNimbusClient, type pb } from '@squall/protocol';

/** Repository root (test/dist/harness → ../../..). */
export const ROOT = path.resolve(__dirname, '../../..');
/** The squall CLI entry point. */
export const SQUALL = path.join(ROOT, 'packages/cli/dist/src/bin.js');

/** Polls `check` every 100 ms until it returns a value (not undefined/false) or the deadline passes. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
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
export class TestCluster {
  readonly daemons: Daemon[] = [];
  private constructor(
    readonly dir: string,
    readonly zk: ZooKeeperServer,
    readonly nimbusAddress: string,
    readonly conf: Record<string, unknown>,
  ) {}

  static async start(options: TestClusterOptions = {}): Promise<TestCluster> {
    const dir = mkdtempSync(path.join(tmpdir(), 'squall-it-'));
    const zk = await ZooKeeperServer.start({ dataDir: path.join(dir, 'zk') });
    const nimbusPort = await findFreePort();
    const conf: Record<string, unknown> = {
      ...FAST_CONF,
      'storm.zookeeper.servers': ['127.0.0.1'],
      'storm.zookeeper.port': zk.port,
      'nimbus.seeds': [`127.0.0.1:${nimbusPort}`],
      ...options.conf,
    };
    const cluster = new TestCluster(dir, zk, `127.0.0.1:${nimbusPort}`, conf);
    try {
      cluster.startDaemon('nimbus', ['nimbus', '-c', `nimbus.port=${nimbusPort}`, '-c', `storm.local.dir=${path.join(dir, 'nimbus')}`]);
      for (let i = 0; i < (options.supervisors ?? 3); i++) await cluster.addSupervisor(options.slotsPerSupervisor ?? 2);
      await cluster.waitForSupervisors(options.supervisors ?? 3);
    } catch (err) {
      await cluster.shutdown();
      throw err;
    }
    return cluster;
  }

  private confArgs(): string[] {
    return Object.entries(this.conf).flatMap(([k, v]) => ['-c', `${k}=${JSON.stringify(v)}`]);
  }

  /** Starts a daemon process (`squall <args>`), logging to a file in the cluster dir. */
  startDaemon(name: string, args: string[]): Daemon {
    const log = path.join(this.dir, `${name}.log`);
    const fullArgs = [SQUALL, ...args, ...this.confArgs()];
    const out = openSync(log, 'a');
    const child = spawn(process.execPath, fullArgs, { stdio: ['ignore', out, out] });
    const d: Daemon = { name, child, args, log };
    this.daemons.push(d);
    return d;
  }

  /** Adds a supervisor with `slots` free ports (or exactly `ports`). */
  async addSupervisor(slots = 2, explicitPorts?: number[]): Promise<Daemon> {
    const i = this.daemons.filter((d) => d.name.startsWith('supervisor')).length;
    const ports: number[] = explicitPorts ? [...explicitPorts] : [];
    for (let s = ports.length; s < slots; s++) ports.push(await findFreePort());
    return this.startDaemon(`supervisor-${i}`, ['supervisor', '-c', `supervisor.slots.ports=[${ports.join(',')}]`, '-c', `storm.local.dir=${path.join(this.dir, `supervisor-${i}`)}`]);
  }

  /** Cluster info from nimbus. */
  async clusterInfo(): Promise<pb.ClusterInfo> {
    const client = createNimbusClient(this.nimbusAddress);
    try {
      return await new Promise((resolve, reject) => client.getClusterInfo({}, (err, res) => (err ? reject(err) : resolve(res!))));
    } finally {
      client.close();
    }
  }

  async waitForSupervisors(n: number): Promise<void> {
    await eventually(`${n} supervisors registered`, async () => (await this.clusterInfo()).supervisors.length >= n || undefined, 60000);
  }

  /** Runs the squall CLI against this cluster; returns exit code and output. */
  cli(args: string[], timeoutMs = 60000): { code: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [SQUALL, ...args, '--nimbus', this.nimbusAddress], { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs });
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
    const r = spawnSync('pgrep', ['-f', `${this.dir}/supervisor-[0-9]+/supervisor/workers/${topologyId}`], { encoding: 'utf8' });
    return r.stdout.split('\n').filter(Boolean).map(Number);
  }

  /** Every process of this cluster still alive (workers and shell components included). */
  leftoverPids(): number[] {
    const r = spawnSync('pgrep', ['-f', this.dir], { encoding: 'utf8' });
    return r.stdout.split('\n').filter(Boolean).map(Number).filter((p) => p !== process.pid);
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
    return path.join(this.dir, 'out', name);
  }

  /** Stops everything: daemons (SIGTERM, then SIGKILL), leftover workers, ZooKeeper; removes the dir. */
  async shutdown(): Promise<void> {
    for (const d of this.daemons) if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGTERM');
    const deadline = Date.now() + 10000;
    while (this.daemons.some((d) => d.child.exitCode === null && d.child.signalCode === null) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
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
  components: Record<string, { emitted: number; transferred: number; executed: number; acked: number; failed: number; executors: number }>;
  workers: Array<{ host: string; port: number; status: string; components: string[] }>;
  errors: Array<{ component: string; message: string }>;
}

/** Lines of every file in `dir` whose name starts with `prefix`. */
export function readLines(dir: string, prefix: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix))
    .flatMap((f) => readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean));
}
