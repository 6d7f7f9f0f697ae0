import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { RedisStateOptions } from '@squall/api';
import { silentLogger, type Logger } from '@squall/core';
import { RedisNotInstalledError, RedisStartError } from './errors';
import { findFreePort, redisServing } from './loopback';

/** Options of {@link RedisServer.start}. */
export interface RedisServerOptions {
  /** Port on 127.0.0.1. @default a free port, re-picked if another process takes it first */
  port?: number;
  /** Clients must AUTH with it (`requirepass`). @default none */
  password?: string;
  /** Holds redis.conf, the append-only files and `redis.log`; kept by `shutdown()`. @default a new temp dir, removed by `shutdown()` */
  dir?: string;
  /** Keep every write in an append-only file in `dir`, so a restarted server has the data. @default true */
  appendonly?: boolean;
  /** How long the server may take to serve commands before start fails. @default 15000 */
  startTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL. @default 5000 */
  stopGraceMs?: number;
  /** The redis-server executable. @default `process.env.SQUALL_REDIS_SERVER`, else `redis-server` on PATH, else /usr/bin/redis-server */
  redisServerPath?: string;
  /** Receives start/stop lines. @default silent */
  logger?: Logger;
}

const HOST = '127.0.0.1';
const SETPRIV = '/usr/bin/setpriv';
const PORT_ATTEMPTS = 3;

// One 'exit' hook for every server this process started: a test runner that exits without shutdown() must not leave
// a redis-server behind holding a port, nor a temp dir.
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

/** The redis-server to run: the given path, $SQUALL_REDIS_SERVER, PATH, /usr/bin; throws when there is none. */
export function findRedisServer(explicit?: string): string {
  const given = explicit ?? process.env.SQUALL_REDIS_SERVER;
  if (given !== undefined && given !== '') {
    if (fs.existsSync(given)) return given;
    throw new RedisNotInstalledError(`redis-server not found at ${given}: install it with \`apt-get install -y redis-server\` or give its path`);
  }
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin']) {
    const candidate = dir && path.join(dir, 'redis-server');
    if (candidate && fs.existsSync(candidate)) return candidate;
  }
  throw new RedisNotInstalledError('redis-server not found on PATH or at /usr/bin/redis-server: install it with `apt-get install -y redis-server`');
}

/** A redis.conf value, quoted so spaces, quotes and any byte survive (Redis's config parser reads \xHH escapes). */
function confValue(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  let out = '"';
  for (const b of bytes) out += (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return `${out}"`;
}

interface Settings {
  readonly executable: string;
  readonly port: number;
  readonly password: string | undefined;
  readonly dir: string;
  readonly ownsDir: boolean;
  readonly appendonly: boolean;
  readonly startTimeoutMs: number;
  readonly stopGraceMs: number;
  readonly logger: Logger;
}

type Exit = { code: number | null; signal: NodeJS.Signals | null; error?: Error };

/**
 * A real redis-server child process on 127.0.0.1, for tests and development. Writes its own redis.conf (mode 0600,
 * so the password is not on a command line: loopback only, protected mode, no RDB snapshots, append-only file unless
 * turned off), captures its output in `<dir>/redis.log`, and kills it on `stop()`, on a failed start and when this
 * process exits. Made by {@link RedisServer.start}.
 */
export class RedisServer {
  /** The interface the server listens on. */
  readonly host = HOST;
  private child: ChildProcess | null = null;
  private exited: Promise<Exit> | null = null;

  private constructor(private readonly settings: Settings) {}

  /**
   * Starts redis-server and resolves once it answers PING. Throws {@link RedisNotInstalledError} when it cannot be
   * found, {@link RedisStartError} when it exits early or is not serving by `startTimeoutMs` (the process is killed and
   * a temp dir removed before throwing).
   */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const logger = (options.logger ?? silentLogger()).child({ component: 'redis-server' });
    const executable = findRedisServer(options.redisServerPath);
    const ownsDir = options.dir === undefined;
    const dir = options.dir ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'squall-redis-')));
    if (ownsDir) {
      installExitHook();
      ownedTempDirs.add(dir);
    }
    try {
      await fsp.mkdir(dir, { recursive: true });
      for (let attempt = 1; ; attempt++) {
        const server = new RedisServer({
          executable,
          port: options.port ?? (await findFreePort(HOST)),
          password: options.password,
          dir,
          ownsDir,
          appendonly: options.appendonly ?? true,
          startTimeoutMs: options.startTimeoutMs ?? 15_000,
          stopGraceMs: options.stopGraceMs ?? 5_000,
          logger,
        });
        try {
          await server.launch();
          return server;
        } catch (error) {
          const portTaken = error instanceof RedisStartError && /Address already in use/i.test(error.logTail);
          if (!portTaken || options.port !== undefined || attempt >= PORT_ATTEMPTS) throw error;
          logger.warn({ port: server.port }, 'port was taken before redis-server bound it; retrying on another port');
        }
      }
    } catch (error) {
      if (ownsDir) await removeTempDir(dir);
      throw error;
    }
  }

  /** The port on 127.0.0.1. */
  get port(): number {
    return this.settings.port;
  }

  /** The password clients must give, if any. */
  get password(): string | undefined {
    return this.settings.password;
  }

  /** The directory holding redis.conf, the data and the log. */
  get dir(): string {
    return this.settings.dir;
  }

  /** The server's captured output, appended across restarts. */
  get logFile(): string {
    return path.join(this.settings.dir, 'redis.log');
  }

  /** The server's pid while running, else `undefined`. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Whether the server is running (started and not stopped or dead). */
  isRunning(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Settings for a Redis state provider connecting to this server (database 0, no key prefix unless given). */
  stateOptions(overrides: Partial<RedisStateOptions> = {}): RedisStateOptions {
    return { host: HOST, port: this.port, password: this.password, database: 0, timeoutMs: 2000, keyPrefix: '', ...overrides };
  }

  /**
   * Stops the server: SIGTERM (Redis then flushes its append-only file), SIGKILL after `stopGraceMs`; resolves once it
   * has exited. The data dir stays, so {@link restart} brings the data back. Does nothing if already stopped.
   */
  async stop(): Promise<void> {
    const child = this.child;
    const exited = this.exited;
    if (!child || !exited) return;
    if (this.isRunning()) {
      this.settings.logger.info({ port: this.port, pid: child.pid }, 'stopping redis-server');
      child.kill('SIGTERM');
      const timer = delay(this.settings.stopGraceMs, 'timeout' as const, { ref: false });
      if ((await Promise.race([exited, timer])) === 'timeout') {
        this.settings.logger.warn({ pid: child.pid }, 'redis-server ignored SIGTERM; killing it');
        child.kill('SIGKILL');
      }
    }
    await exited;
    this.child = null;
    this.exited = null;
  }

  /** Stops the server (if running) and starts it again on the same port with the same dir (and so the same data). */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** Stops the server and removes the dir if `start()` created it. Safe to call twice. */
  async shutdown(): Promise<void> {
    await this.stop();
    if (this.settings.ownsDir) await removeTempDir(this.settings.dir);
  }

  private async writeConfig(): Promise<string> {
    const { dir, port, password, appendonly } = this.settings;
    const lines = [
      `bind ${HOST}`,
      `port ${port}`,
      'protected-mode yes',
      'daemonize no',
      `dir ${confValue(dir)}`,
      'logfile ""',
      'save ""',
      `appendonly ${appendonly ? 'yes' : 'no'}`,
      'appendfsync everysec',
      'databases 16',
    ];
    if (password !== undefined) lines.push(`requirepass ${confValue(password)}`);
    const file = path.join(dir, 'redis.conf');
    await fsp.writeFile(file, `${lines.join('\n')}\n`, { mode: 0o600 });
    await fsp.chmod(file, 0o600);
    return file;
  }

  private command(conf: string): [string, string[]] {
    // The 'exit' hook cannot run if this process is SIGKILLed; a parent-death signal covers that case. setpriv
    // exec()s redis-server, so the pid we signal is the server's own.
    if (process.platform === 'linux' && fs.existsSync(SETPRIV)) return [SETPRIV, ['--pdeathsig', 'SIGKILL', this.settings.executable, conf]];
    return [this.settings.executable, [conf]];
  }

  private async launch(): Promise<void> {
    const { logger, dir } = this.settings;
    const [file, args] = this.command(await this.writeConfig());
    const logFd = fs.openSync(this.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(file, args, { cwd: dir, stdio: ['ignore', logFd, logFd] });
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
    logger.info({ port: this.port, pid: child.pid, dir }, 'starting redis-server');
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
    logger.info({ port: this.port, pid: child.pid }, 'redis-server is serving');
  }

  private async waitUntilServing(exited: Promise<Exit>): Promise<void> {
    const deadline = Date.now() + this.settings.startTimeoutMs;
    const failed = async (message: string): Promise<never> => {
      throw new RedisStartError(message, { logFile: this.logFile, logTail: await readLogTail(this.logFile) });
    };
    const exitOutcome = exited.then((exit) => ({ exit }));
    while (Date.now() < deadline) {
      const probe = redisServing(HOST, this.port, this.settings.password).then((serving) => ({ serving }));
      const outcome = await Promise.race([probe, exitOutcome]);
      if ('exit' in outcome) {
        const { code, signal, error } = outcome.exit;
        const how = error ? `could not be started (${error.message})` : `exited with ${signal ?? `code ${code}`}`;
        return failed(`redis-server on port ${this.port} ${how} during start-up`);
      }
      if (outcome.serving) return;
      await Promise.race([delay(50), exitOutcome]);
    }
    return failed(`redis-server on port ${this.port} was not serving after ${this.settings.startTimeoutMs} ms`);
  }
}

async function readLogTail(file: string, lines = 20): Promise<string> {
  try {
    return (await fsp.readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function removeTempDir(dir: string): Promise<void> {
  await fsp.rm(dir, { recursive: true, force: true });
  ownedTempDirs.delete(dir);
}
