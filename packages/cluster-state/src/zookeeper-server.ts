import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import pino, { type Logger } from 'pino';
import { ZooKeeperStartError } from './errors';
import { findFreePort, fourLetterWord } from './tcp';
import { readLogTail, writeZooKeeperConfig, ZOOKEEPER_HOST } from './zookeeper-config';
import { ensureZooKeeperInstalled, findJava, type ZooKeeperInstall } from './zookeeper-install';

/** Options of {@link ZooKeeperServer.start}. */
export interface ZooKeeperServerOptions {
  /** Client port on 127.0.0.1. @default a free port, re-picked if another process takes it first */
  port?: number;
  /** Holds zoo.cfg, the snapshots and `zookeeper.log`; kept by `shutdown()`. @default a new temp dir, removed by `shutdown()` */
  dataDir?: string;
  /** ZooKeeper's tick; the minimum session timeout is two ticks. @default 500 */
  tickTimeMs?: number;
  /** Largest session timeout a client may negotiate. @default 60000 */
  maxSessionTimeoutMs?: number;
  /** How long the server may take to serve requests before start fails. @default 30000 */
  startTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL. @default 5000 */
  stopGraceMs?: number;
  /** A ZooKeeper install to use instead of searching. @default `process.env.SQUALL_ZOOKEEPER_HOME`, else Debian's */
  zookeeperHome?: string;
  /** Install Debian's package when ZooKeeper is missing and we run as root. @default true */
  autoInstall?: boolean;
  /** The java executable. @default `$JAVA_HOME/bin/java`, else `java` on PATH */
  javaPath?: string;
  /** JVM flags; the defaults favour start-up time and a small footprint over throughput. @default small heap, serial GC, C1 only */
  jvmFlags?: string[];
  /** Receives start/stop lines. @default silent */
  logger?: Logger;
}

const DEFAULT_JVM_FLAGS = ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true'];
const SETPRIV = '/usr/bin/setpriv';
const HOST = ZOOKEEPER_HOST;
const PORT_ATTEMPTS = 3;

// One 'exit' hook for every server this process started: a test runner or CLI that exits without calling shutdown()
// must not leave a JVM behind holding a port, nor a temp dir behind.
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
function trackChild(child: ChildProcess): void {
  installExitHook();
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

interface Settings {
  readonly port: number;
  readonly dataDir: string;
  readonly ownsDataDir: boolean;
  readonly install: ZooKeeperInstall;
  readonly java: string;
  readonly jvmFlags: readonly string[];
  readonly startTimeoutMs: number;
  readonly stopGraceMs: number;
  readonly logger: Logger;
}

type Exit = { code: number | null; signal: NodeJS.Signals | null; error?: Error };

/**
 * A real standalone ZooKeeper server in a child JVM on 127.0.0.1, for tests and `squall dev-cluster`. Writes its own
 * zoo.cfg (admin server off so it does not take port 8080, all four-letter words allowed, short ticks so short
 * session timeouts are allowed), captures the server's output in `<dataDir>/zookeeper.log`, and kills the JVM on
 * `stop()`, on a failed start and when this process exits. Made by {@link ZooKeeperServer.start}.
 */
export class ZooKeeperServer {
  /** The interface the server listens on. */
  readonly host = HOST;
  private child: ChildProcess | null = null;
  private exited: Promise<Exit> | null = null;

  private constructor(private readonly settings: Settings) {}

  /**
   * Finds (or, as root, installs) ZooKeeper, starts it and resolves once it serves requests. Throws
   * {@link ZooKeeperNotInstalledError} when it cannot be found, {@link ZooKeeperStartError} when the JVM exits early or
   * is not serving by `startTimeoutMs` (the JVM is killed and a temp data dir removed before throwing).
   */
  static async start(options: ZooKeeperServerOptions = {}): Promise<ZooKeeperServer> {
    const logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'zookeeper-server' });
    const install = await ensureZooKeeperInstalled({
      home: options.zookeeperHome,
      autoInstall: options.autoInstall,
      logger,
    });
    const java = findJava(options.javaPath);
    const ownsDataDir = options.dataDir === undefined;
    const dataDir = options.dataDir ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'squall-zk-')));
    if (ownsDataDir) {
      installExitHook();
      ownedTempDirs.add(dataDir);
    }
    try {
      await fsp.mkdir(dataDir, { recursive: true });
      for (let attempt = 1; ; attempt++) {
        const port = options.port ?? (await findFreePort(HOST));
        await writeZooKeeperConfig(dataDir, { ...options, port });
        const server = new ZooKeeperServer({
          port,
          dataDir,
          ownsDataDir,
          install,
          java,
          jvmFlags: options.jvmFlags ?? DEFAULT_JVM_FLAGS,
          startTimeoutMs: options.startTimeoutMs ?? 30_000,
          stopGraceMs: options.stopGraceMs ?? 5_000,
          logger,
        });
        try {
          await server.launch();
          return server;
        } catch (error) {
          const portTaken = error instanceof ZooKeeperStartError && /Address already in use/.test(error.logTail);
          if (!portTaken || options.port !== undefined || attempt >= PORT_ATTEMPTS) throw error;
          logger.warn({ port }, 'port was taken before ZooKeeper bound it; retrying on another port');
        }
      }
    } catch (error) {
      if (ownsDataDir) await removeTempDir(dataDir);
      throw error;
    }
  }

  /** The client port. */
  get port(): number {
    return this.settings.port;
  }

  /** `127.0.0.1:<port>`, for ZooKeeper clients. */
  get connectString(): string {
    return `${HOST}:${this.settings.port}`;
  }

  /** The directory holding zoo.cfg, the data and the log. */
  get dataDir(): string {
    return this.settings.dataDir;
  }

  /** The server's captured stdout and stderr, appended across restarts. */
  get logFile(): string {
    return path.join(this.settings.dataDir, 'zookeeper.log');
  }

  /** The JVM's pid while running, else `undefined`. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Whether the JVM is running (started and not stopped or dead). */
  isRunning(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Stops the JVM: SIGTERM, then SIGKILL after `stopGraceMs`; resolves once it has exited. Sessions and data persist
   * in the data dir, so {@link restart} resumes them. Does nothing if already stopped.
   */
  async stop(): Promise<void> {
    const child = this.child;
    const exited = this.exited;
    if (!child || !exited) return;
    if (this.isRunning()) {
      this.settings.logger.info({ port: this.port, pid: child.pid }, 'stopping ZooKeeper');
      child.kill('SIGTERM');
      const timer = delay(this.settings.stopGraceMs, 'timeout' as const, { ref: false });
      if ((await Promise.race([exited, timer])) === 'timeout') {
        this.settings.logger.warn({ pid: child.pid }, 'ZooKeeper ignored SIGTERM; killing it');
        child.kill('SIGKILL');
      }
    }
    await exited;
    this.child = null;
    this.exited = null;
  }

  /**
   * Stops the server (if running) and starts it again on the same port with the same data, so clients reconnect to
   * their sessions (a session survives if the client reconnects within its timeout after the restart).
   */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** Stops the server and removes the data dir if `start()` created it. Safe to call twice. */
  async shutdown(): Promise<void> {
    await this.stop();
    if (this.settings.ownsDataDir) await removeTempDir(this.settings.dataDir);
  }

  private command(): [string, string[]] {
    const { dataDir, install, jvmFlags, java } = this.settings;
    const args = [
      ...jvmFlags,
      `-Dzookeeper.log.dir=${dataDir}`,
      '-Dzookeeper.root.logger=INFO,CONSOLE',
      '-Dzookeeper.admin.enableServer=false',
      '-Dzookeeper.jmx.log4j.disable=true',
      '-Dorg.slf4j.simpleLogger.showDateTime=true',
      "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS",
      '-cp',
      install.classpath.join(path.delimiter),
      'org.apache.zookeeper.server.quorum.QuorumPeerMain',
      path.join(dataDir, 'zoo.cfg'),
    ];
    // The 'exit' hook cannot run if this process is SIGKILLed; a parent-death signal covers that case. setpriv
    // exec()s java, so the pid we signal is the JVM's own.
    if (process.platform === 'linux' && fs.existsSync(SETPRIV)) {
      return [SETPRIV, ['--pdeathsig', 'SIGKILL', java, ...args]];
    }
    return [java, args];
  }

  private async launch(): Promise<void> {
    const { logger, dataDir } = this.settings;
    const [file, args] = this.command();
    const logFd = fs.openSync(this.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(file, args, { cwd: dataDir, stdio: ['ignore', logFd, logFd], detached: false });
    } finally {
      fs.closeSync(logFd);
    }
    trackChild(child);
    this.child = child;
    this.exited = new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
    });
    logger.info({ port: this.port, pid: child.pid, dataDir }, 'starting ZooKeeper');
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
    logger.info({ port: this.port, pid: child.pid }, 'ZooKeeper is serving');
  }

  // `srvr` rather than `ruok`: ruok answers as soon as the socket is up, srvr only once requests are served.
  private async waitUntilServing(exited: Promise<Exit>): Promise<void> {
    const deadline = Date.now() + this.settings.startTimeoutMs;
    const failed = async (message: string, code: number | null): Promise<never> => {
      throw new ZooKeeperStartError(message, { exitCode: code, logFile: this.logFile, logTail: await readLogTail(this.logFile) });
    };
    const exitOutcome = exited.then((exit) => ({ exit }));
    while (Date.now() < deadline) {
      const probe = fourLetterWord(HOST, this.port, 'srvr', 1000).then(
        (reply) => ({ reply }),
        () => ({ reply: '' }),
      );
      const outcome = await Promise.race([probe, exitOutcome]);
      if ('exit' in outcome) {
        const { code, signal, error } = outcome.exit;
        const how = error ? `could not be started (${error.message})` : `exited with ${signal ?? `code ${code}`}`;
        return failed(`ZooKeeper on port ${this.port} ${how} during start-up`, code);
      }
      if (/^Mode: /m.test(outcome.reply)) return;
      await Promise.race([delay(100), exitOutcome]);
    }
    return failed(`ZooKeeper on port ${this.port} was not serving after ${this.settings.startTimeoutMs} ms`, null);
  }
}

async function removeTempDir(dir: string): Promise<void> {
  await fsp.rm(dir, { recursive: true, force: true });
  ownedTempDirs.delete(dir);
}
