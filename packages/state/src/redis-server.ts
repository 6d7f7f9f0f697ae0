import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { RedisStateOptions } from '@squall/api';
import {
  launchOnFreePort,
  makeOwnedTempDir,
  removeOwnedTempDir,
  ServerProcess,
  silentLogger,
  type Logger,
} from '@squall/core';
import { RedisNotInstalledError, RedisStartError } from './errors';
import { redisServing } from './loopback';

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

/** The redis-server to run: the given path, $SQUALL_REDIS_SERVER, PATH, /usr/bin; throws when there is none. */
export function findRedisServer(explicit?: string): string {
  const given = explicit ?? process.env.SQUALL_REDIS_SERVER;
  if (given !== undefined && given !== '') {
    if (fs.existsSync(given)) return given;
    throw new RedisNotInstalledError(
      `redis-server not found at ${given}: install it with \`apt-get install -y redis-server\` or give its path`,
    );
  }
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin']) {
    const candidate = dir && path.join(dir, 'redis-server');
    if (candidate && fs.existsSync(candidate)) return candidate;
  }
  throw new RedisNotInstalledError(
    'redis-server not found on PATH or at /usr/bin/redis-server: install it with `apt-get install -y redis-server`',
  );
}

/** A redis.conf value, quoted so spaces, quotes and any byte survive (Redis's config parser reads \xHH escapes). */
function confValue(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  let out = '"';
  for (const b of bytes)
    out +=
      (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)
        ? String.fromCharCode(b)
        : `\\x${b.toString(16).padStart(2, '0')}`;
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

/**
 * A real redis-server child process on 127.0.0.1, for tests and development. Writes its own redis.conf (mode 0600,
 * so the password is not on a command line: loopback only, protected mode, no RDB snapshots, append-only file unless
 * turned off), captures its output in `<dir>/redis.log`, and kills it on `stop()`, on a failed start and when this
 * process exits. Made by {@link RedisServer.start}.
 */
export class RedisServer {
  /** The interface the server listens on. */
  readonly host = HOST;
  private readonly process: ServerProcess;

  private constructor(private readonly settings: Settings) {
    this.process = new ServerProcess({
      name: 'redis-server',
      executable: settings.executable,
      args: [path.join(settings.dir, 'redis.conf')],
      cwd: settings.dir,
      logFile: this.logFile,
      port: settings.port,
      startTimeoutMs: settings.startTimeoutMs,
      stopGraceMs: settings.stopGraceMs,
      probe: () => redisServing(HOST, settings.port, settings.password),
      probeIntervalMs: 50,
      startError: (message, details) =>
        new RedisStartError(message, { logFile: details.logFile, logTail: details.logTail }),
      logger: settings.logger,
    });
  }

  /**
   * Starts redis-server and resolves once it answers PING. Throws {@link RedisNotInstalledError} when it cannot be
   * found, {@link RedisStartError} when it exits early or is not serving by `startTimeoutMs` (the process is killed and
   * a temp dir removed before throwing).
   */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const logger = (options.logger ?? silentLogger()).child({ component: 'redis-server' });
    const executable = findRedisServer(options.redisServerPath);
    const ownsDir = options.dir === undefined;
    const dir = options.dir ?? (await makeOwnedTempDir('squall-redis-'));
    try {
      await fsp.mkdir(dir, { recursive: true });
      return await launchOnFreePort(
        options.port,
        HOST,
        async (port) => {
          const server = new RedisServer({
            executable,
            port,
            password: options.password,
            dir,
            ownsDir,
            appendonly: options.appendonly ?? true,
            startTimeoutMs: options.startTimeoutMs ?? 15_000,
            stopGraceMs: options.stopGraceMs ?? 5_000,
            logger,
          });
          await server.launch();
          return server;
        },
        (err) => err instanceof RedisStartError && /Address already in use/i.test(err.logTail),
        (port) => logger.warn({ port }, 'port was taken before redis-server bound it; retrying on another port'),
      );
    } catch (error) {
      if (ownsDir) await removeOwnedTempDir(dir);
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
    return this.process.pid;
  }

  /** Whether the server is running (started and not stopped or dead). */
  isRunning(): boolean {
    return this.process.isRunning();
  }

  /** Settings for a Redis state provider connecting to this server (database 0, no key prefix unless given). */
  stateOptions(overrides: Partial<RedisStateOptions> = {}): RedisStateOptions {
    return {
      host: HOST,
      port: this.port,
      password: this.password,
      database: 0,
      timeoutMs: 2000,
      keyPrefix: '',
      ...overrides,
    };
  }

  /**
   * Stops the server: SIGTERM (Redis then flushes its append-only file), SIGKILL after `stopGraceMs`; resolves once it
   * has exited. The data dir stays, so {@link restart} brings the data back. Does nothing if already stopped.
   */
  async stop(): Promise<void> {
    await this.process.stop();
  }

  /** Stops the server (if running) and starts it again on the same port with the same dir (and so the same data). */
  async restart(): Promise<void> {
    await this.process.stop();
    await this.launch();
  }

  /** Stops the server and removes the dir if `start()` created it. Safe to call twice. */
  async shutdown(): Promise<void> {
    await this.process.stop();
    if (this.settings.ownsDir) await removeOwnedTempDir(this.settings.dir);
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

  /** Writes redis.conf (again: a restart takes the same settings) and starts the server. */
  private async launch(): Promise<void> {
    await this.writeConfig();
    await this.process.start();
  }
}
