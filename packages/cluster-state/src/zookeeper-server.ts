import fsp from 'node:fs/promises';
import path from 'node:path';
import { launchOnFreePort, makeOwnedTempDir, removeOwnedTempDir, ServerProcess } from '@squall/core';
import pino, { type Logger } from 'pino';
import { ZooKeeperStartError } from './errors';
import { fourLetterWord } from './tcp';
import { writeZooKeeperConfig, ZOOKEEPER_HOST } from './zookeeper-config';
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
const HOST = ZOOKEEPER_HOST;

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

/**
 * A real standalone ZooKeeper server in a child JVM on 127.0.0.1, for tests and `squall dev-cluster`. Writes its own
 * zoo.cfg (admin server off so it does not take port 8080, all four-letter words allowed, short ticks so short
 * session timeouts are allowed), captures the server's output in `<dataDir>/zookeeper.log`, and kills the JVM on
 * `stop()`, on a failed start and when this process exits. Made by {@link ZooKeeperServer.start}.
 */
export class ZooKeeperServer {
  /** The interface the server listens on. */
  readonly host = HOST;
  private readonly process: ServerProcess;

  private constructor(private readonly settings: Settings) {
    const { dataDir, install, jvmFlags, java, port } = settings;
    this.process = new ServerProcess({
      name: 'ZooKeeper',
      executable: java,
      args: [
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
      ],
      cwd: dataDir,
      logFile: this.logFile,
      port,
      startTimeoutMs: settings.startTimeoutMs,
      stopGraceMs: settings.stopGraceMs,
      // `srvr` rather than `ruok`: ruok answers as soon as the socket is up, srvr only once requests are served.
      probe: () =>
        fourLetterWord(HOST, port, 'srvr', 1000).then(
          (reply) => /^Mode: /m.test(reply),
          () => false,
        ),
      probeIntervalMs: 100,
      startError: (message, details) => new ZooKeeperStartError(message, details),
      logger: settings.logger,
    });
  }

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
    const dataDir = options.dataDir ?? (await makeOwnedTempDir('squall-zk-'));
    try {
      await fsp.mkdir(dataDir, { recursive: true });
      return await launchOnFreePort(
        options.port,
        HOST,
        async (port) => {
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
          await server.process.start();
          return server;
        },
        (err) => err instanceof ZooKeeperStartError && /Address already in use/.test(err.logTail),
        (port) => logger.warn({ port }, 'port was taken before ZooKeeper bound it; retrying on another port'),
      );
    } catch (error) {
      if (ownsDataDir) await removeOwnedTempDir(dataDir);
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
    return this.process.pid;
  }

  /** Whether the JVM is running (started and not stopped or dead). */
  isRunning(): boolean {
    return this.process.isRunning();
  }

  /**
   * Stops the JVM: SIGTERM, then SIGKILL after `stopGraceMs`; resolves once it has exited. Sessions and data persist
   * in the data dir, so {@link restart} resumes them. Does nothing if already stopped.
   */
  async stop(): Promise<void> {
    await this.process.stop();
  }

  /**
   * Stops the server (if running) and starts it again on the same port with the same data, so clients reconnect to
   * their sessions (a session survives if the client reconnects within its timeout after the restart).
   */
  async restart(): Promise<void> {
    await this.process.stop();
    await this.process.start();
  }

  /** Stops the server and removes the data dir if `start()` created it. Safe to call twice. */
  async shutdown(): Promise<void> {
    await this.process.stop();
    if (this.settings.ownsDataDir) await removeOwnedTempDir(this.settings.dataDir);
  }
}
