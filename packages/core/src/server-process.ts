import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { findFreePort } from './free-port';

/**
 * Real servers (ZooKeeper, redis-server) run as child processes by tests, `squall dev-cluster` and benchmarks: the
 * process handling they share. One 'exit' hook covers every server and temp dir of this process, so a test runner or
 * CLI that exits without shutting them down leaves no server holding a port and no temp dir; a parent-death signal
 * (setpriv) covers this process being SIGKILLed.
 */

const SETPRIV = '/usr/bin/setpriv';
const liveChildren = new Set<ChildProcess>();
const ownedTempDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
    for (const dir of ownedTempDirs) fs.rmSync(dir, { recursive: true, force: true });
  });
}

/** A new temp dir (`<tmpdir>/<prefix>XXXXXX`) removed when this process exits, unless {@link removeOwnedTempDir} ran first. */
export async function makeOwnedTempDir(prefix: string): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), prefix));
  installExitHook();
  ownedTempDirs.add(dir);
  return dir;
}

/** Removes a dir made by {@link makeOwnedTempDir} now. */
export async function removeOwnedTempDir(dir: string): Promise<void> {
  await fsp.rm(dir, { recursive: true, force: true });
  ownedTempDirs.delete(dir);
}

/** The last `lines` lines of a log file (reads at most its last 8 KiB); `(no log)` if it cannot be read. */
export async function readLogTail(file: string, lines = 20): Promise<string> {
  try {
    const handle = await fsp.open(file, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, 8192);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      return buffer.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } finally {
      await handle.close();
    }
  } catch {
    return '(no log)';
  }
}

/**
 * Runs `launch` on `port` if given, else on a free port, picking another one (up to `attempts` in all) when the
 * launch failed because another process took the port first (`portTaken`).
 */
export async function launchOnFreePort<T>(
  port: number | undefined,
  host: string,
  launch: (port: number) => Promise<T>,
  portTaken: (err: unknown) => boolean,
  onRetry: (port: number) => void,
  attempts = 3,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const p = port ?? (await findFreePort(host));
    try {
      return await launch(p);
    } catch (err) {
      if (!portTaken(err) || port !== undefined || attempt >= attempts) throw err;
      onRetry(p);
    }
  }
}

/** How a server process ended. */
interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

/** What {@link ServerProcess} runs, and how it knows the server is up. */
export interface ServerProcessOptions {
  /** Shown in logs and errors: `ZooKeeper`, `redis-server`. */
  name: string;
  executable: string;
  args: readonly string[];
  cwd: string;
  /** Gets the server's stdout and stderr, appended across restarts. */
  logFile: string;
  /** The port it serves on (logs and errors). */
  port: number;
  /** How long the server may take to pass `probe` before start fails. */
  startTimeoutMs: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL. */
  stopGraceMs: number;
  /** Resolves true once the server serves requests; must not reject. */
  probe: () => Promise<boolean>;
  /** Pause between probes. */
  probeIntervalMs: number;
  /** The error a failed start throws (the process is killed first), given the exit code and the log's last lines. */
  startError: (message: string, details: { exitCode: number | null; logFile: string; logTail: string }) => Error;
  logger: Logger;
}

/**
 * One server child process: started with {@link start} (resolves once `probe` passes, or kills it and throws),
 * stopped with SIGTERM then SIGKILL, startable again (same command, same data).
 */
export class ServerProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<Exit> | null = null;

  constructor(private readonly opts: ServerProcessOptions) {}

  /** The server's pid while running, else `undefined`. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Whether the server is running (started and not stopped or dead). */
  isRunning(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Spawns the server and resolves once it serves. @throws what `startError` makes, the process killed */
  async start(): Promise<void> {
    const { logger, name, port } = this.opts;
    const [file, args] = this.command();
    const logFd = fs.openSync(this.opts.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(file, args, { cwd: this.opts.cwd, stdio: ['ignore', logFd, logFd] });
    } finally {
      fs.closeSync(logFd);
    }
    installExitHook();
    liveChildren.add(child);
    child.once('exit', () => liveChildren.delete(child));
    this.child = child;
    this.exited = new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
    });
    logger.info({ port, pid: child.pid, dir: this.opts.cwd }, `starting ${name}`);
    try {
      await this.waitUntilServing(this.exited);
    } catch (error) {
      if (this.child) {
        this.child.kill('SIGKILL');
        await this.exited;
      }
      this.child = null;
      this.exited = null;
      throw error;
    }
    logger.info({ port, pid: child.pid }, `${name} is serving`);
  }

  /** SIGTERM, SIGKILL after `stopGraceMs`; resolves once it has exited. Does nothing if already stopped. */
  async stop(): Promise<void> {
    const child = this.child;
    const exited = this.exited;
    if (!child || !exited) return;
    if (this.isRunning()) {
      this.opts.logger.info({ port: this.opts.port, pid: child.pid }, `stopping ${this.opts.name}`);
      child.kill('SIGTERM');
      const timer = delay(this.opts.stopGraceMs, 'timeout' as const, { ref: false });
      if ((await Promise.race([exited, timer])) === 'timeout') {
        this.opts.logger.warn({ pid: child.pid }, `${this.opts.name} ignored SIGTERM; killing it`);
        child.kill('SIGKILL');
      }
    }
    await exited;
    this.child = null;
    this.exited = null;
  }

  private command(): [string, string[]] {
    // The 'exit' hook cannot run if this process is SIGKILLed; a parent-death signal covers that case. setpriv
    // exec()s the server, so the pid we signal is the server's own.
    if (process.platform === 'linux' && fs.existsSync(SETPRIV))
      return [SETPRIV, ['--pdeathsig', 'SIGKILL', this.opts.executable, ...this.opts.args]];
    return [this.opts.executable, [...this.opts.args]];
  }

  private async waitUntilServing(exited: Promise<Exit>): Promise<void> {
    const { name, port, startTimeoutMs } = this.opts;
    const deadline = Date.now() + startTimeoutMs;
    const failed = async (message: string, exitCode: number | null): Promise<never> => {
      throw this.opts.startError(message, {
        exitCode,
        logFile: this.opts.logFile,
        logTail: await readLogTail(this.opts.logFile),
      });
    };
    const exitOutcome = exited.then((exit) => ({ exit }));
    while (Date.now() < deadline) {
      const probe = this.opts.probe().then((serving) => ({ serving }));
      const outcome = await Promise.race([probe, exitOutcome]);
      if ('exit' in outcome) {
        const { code, signal, error } = outcome.exit;
        const how = error ? `could not be started (${error.message})` : `exited with ${signal ?? `code ${code}`}`;
        return failed(`${name} on port ${port} ${how} during start-up`, code);
      }
      if (outcome.serving) return;
      await Promise.race([delay(this.opts.probeIntervalMs), exitOutcome]);
    }
    return failed(`${name} on port ${port} was not serving after ${startTimeoutMs} ms`, null);
  }
}
