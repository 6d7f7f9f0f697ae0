import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { getConfig, type Logger } from '@squall/core';
import type { WorkerLaunch } from '@squall/launch-contract';
import { WORKER_MAIN } from './worker-main';
import { openPrivateAppend, writePrivateFile, type WorkerUser } from './worker-user';

/** A spawned worker process and how it ended. */
export interface WorkerProcess {
  pid: number;
  child: ChildProcess;
  startedMs: number;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  logFile: string;
}

/** Options of {@link spawnWorker}. */
export interface SpawnWorkerOptions {
  /** The operator's `worker.childopts` (the supervisor's config); the topology's `topology.worker.childopts` follows it. */
  operatorChildopts?: string;
  /** Variables that select the topology's Python virtualenv; `topology.environment` still wins over them. */
  extraEnv?: Readonly<Record<string, string>>;
  /**
   * The topology's own OS user (run-as-user): the worker runs as it, its dir, launch file and log are its (0700/0600),
   * its HOME is its dir, and the cluster's TLS files it needs are copied into its dir. Unset: the supervisor's user.
   */
  user?: WorkerUser | undefined;
  log?: Logger;
}

/**
 * Environment variables a worker (and the shell components it starts) never inherits from its supervisor: Squall's
 * secrets (`SQUALL_*` names holding TOKEN, SECRET, PASSWORD or KEY, e.g. SQUALL_NIMBUS_AUTH_TOKEN,
 * SQUALL_SQUALL_CLUSTER_SECRET, SQUALL_STORM_ZOOKEEPER_AUTH_SECRET), and `SQUALL_CONF`, the daemon's config file.
 */
export function isDaemonSecretVar(name: string): boolean {
  const upper = name.toUpperCase();
  return upper === 'SQUALL_CONF' || (upper.startsWith('SQUALL_') && /TOKEN|SECRET|PASSWORD|KEY/.test(upper));
}

/** The supervisor's environment without its secrets, plus the topology's `topology.environment`. */
export function workerEnvironment(base: NodeJS.ProcessEnv, topologyEnv: unknown): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!isDaemonSecretVar(k)) env[k] = v;
  if (topologyEnv !== null && typeof topologyEnv === 'object')
    for (const [k, v] of Object.entries(topologyEnv as Record<string, unknown>)) env[k] = String(v);
  return env;
}

/** Node.js flags that open a debugger port. */
const DEBUG_FLAG = /^--(inspect|debug)(-brk|-port|-wait|-publish-uid)?(=|$)/;

/**
 * The worker's Node.js flags, as Storm splits them: the operator's `worker.childopts` (supervisor config), then the
 * topology's `topology.worker.childopts` without debugger flags (nimbus refuses them at submit; a topology submitted
 * before that rule is held to it here). The topology's own `worker.childopts` is ignored.
 */
export function workerChildopts(
  operator: string,
  topologyConf: Readonly<Record<string, unknown>>,
  log?: Logger,
  topologyId = '',
): string[] {
  const split = (v: unknown) => (typeof v === 'string' ? v.split(/\s+/).filter(Boolean) : []);
  const fromTopology = split(getConfig(topologyConf, 'topology.worker.childopts')).filter((f) => {
    if (!DEBUG_FLAG.test(f)) return true;
    log?.warn(
      { topology: topologyId },
      `ignored ${f} in topology.worker.childopts of ${topologyId}: debugger ports are the operator's to open`,
    );
    return false;
  });
  return [...split(operator), ...fromTopology];
}

/**
 * Spawns a worker: writes its launch description (0600: it holds the topology's secret) in a 0700 dir next to its
 * log, runs `node <worker main> launch.json` with stdout and stderr appended to `worker.log` (for the UI's log
 * viewer), in an environment without the daemon's secrets, as the topology's own user when `options.user` is set, and
 * records how it exits. Files are written without following links: the dir belongs to the worker's user.
 */
export function spawnWorker(
  workDir: string,
  launch: WorkerLaunch,
  onExit: () => void,
  options: SpawnWorkerOptions = {},
): WorkerProcess {
  const user = options.user;
  mkdirSync(workDir, { recursive: true, mode: 0o700 });
  if (!lstatSync(workDir).isDirectory()) throw new Error(`${workDir} is not a directory`);
  if (user) chownSync(workDir, user.uid, user.gid);
  chmodSync(workDir, 0o700);
  let written = launch;
  if (user && launch.tls) {
    // The operator's TLS files are root's (the key 0600): the worker gets its own copies, readable by it alone.
    const tls = { ...launch.tls };
    for (const k of ['ca', 'cert', 'key'] as const) {
      const from = tls[k];
      if (from === undefined) continue;
      const to = path.join(workDir, `tls-${k}.pem`);
      writePrivateFile(to, readFileSync(from), user);
      tls[k] = to;
    }
    written = { ...launch, tls };
  }
  const launchFile = path.join(workDir, 'launch.json');
  writePrivateFile(launchFile, JSON.stringify(written), user);
  const logFile = path.join(workDir, 'worker.log');
  const fd = openPrivateAppend(logFile, user);
  const base = { ...process.env, ...(user ? { HOME: workDir } : {}), ...(options.extraEnv ?? {}) };
  const env = workerEnvironment(base, getConfig(launch.topology.conf, 'topology.environment'));
  // A larger young generation suits the engine's many short-lived tuples.
  const childopts = workerChildopts(
    options.operatorChildopts ?? '',
    launch.topology.conf,
    options.log,
    launch.topologyId,
  );
  const child = spawn(process.execPath, ['--max-semi-space-size=32', ...childopts, WORKER_MAIN, launchFile], {
    stdio: ['ignore', fd, fd],
    env,
    cwd: workDir,
    // libuv drops root's supplementary groups before switching; the worker keeps no capability.
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
  });
  closeSync(fd);
  const proc: WorkerProcess = { pid: child.pid ?? -1, child, startedMs: Date.now(), logFile };
  child.on('exit', (code, signal) => {
    proc.exit = { code, signal };
    onExit();
  });
  child.on('error', () => {
    proc.exit ??= { code: -1, signal: null };
    onExit();
  });
  return proc;
}

/** "exit code 3" / "signal SIGKILL", for reports. */
export function describeExit(e: WorkerProcess['exit']): string | undefined {
  if (!e) return undefined;
  return e.signal ? `signal ${e.signal}` : `exit code ${e.code}`;
}
