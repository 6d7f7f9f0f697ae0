import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Config, Logger } from '@squall/core';
import type { TopologyContext } from '@squall/api';
import { childEnvironment } from './child-env';
import { ProtocolViolationError, ShellComponentError, SubprocessTimeoutError, UnknownMetricError } from './errors';
import { buildHandshakeContext } from './handshake';
import { PYTHON_LIBRARY_DIR } from './python-library';
import type { ResolvedShellOptions } from './shell-options';
import { ShellProcess } from './shell-process';
import { shellSettings } from './shell-settings';
import { JsonCodec, MsgpackCodec, type DecodedMessage, type Frame, type WireCodec } from './wire';

/** Pino method per multi-lang log level 0..4 (trace, debug, info, warn, error). */
const LOG_METHODS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
/** How often timeouts are checked and bolts heartbeat, as in Storm. */
const TICK_MS = 1000;

/** What a ShellSpout or ShellBolt plugs into its {@link ShellRunner}. */
export interface ShellRunnerHooks {
  /** The child answered the handshake: start writing. */
  onReady(): void;
  /** A command other than log/error/metrics. Throw ProtocolViolationError to kill and restart the child. */
  onCommand(message: Record<string, unknown>, decoded: DecodedMessage): void;
  /** Every second while the child is ready; `silentMs` is how long since anything was read from it. */
  onTick(silentMs: number, timeoutMs: number): void;
  /** The child is dead (its process is being killed): fail what it held. */
  onDeath(reason: Error): void;
  /** Reports an error with the component and task (the collector's reportError). */
  reportError(error: unknown): void;
}

type State = 'idle' | 'starting' | 'ready' | 'dead' | 'closed';

/**
 * Runs the child of one shell component task and keeps it running: spawns it (argv, resources directory, merged
 * environment), performs the handshake, records its pid, handles the commands every component shares (log, error,
 * metrics), checks timeouts every second, and on death (exit, protocol violation, timeout) logs and reports why,
 * kills the process group and restarts it after a backoff (doubling from `restartInitialMs` to `restartMaxMs`).
 */
export class ShellRunner {
  /** Names of unregistered metrics the child updated, each reported once. */
  private readonly unknownMetrics = new Set<string>();
  private state: State = 'idle';
  private proc: ShellProcess | undefined;
  private codec: WireCodec | undefined;
  private generation = 0;
  private lastReadMs = 0;
  private startedMs = 0;
  private readyMs = 0;
  private backoffMs: number;
  private cancelTick: (() => void) | undefined;
  private cancelRestart: (() => void) | undefined;
  private ownPidDir = false;
  private pidDirPath = '';
  private reportedPid: number | undefined;
  /** Children started so far (the first one included). */
  starts = 0;
  readonly timeoutMs: number;
  /** `topology.environment`. */
  private readonly environment: Record<string, unknown> | null;
  private readonly log: Logger;

  constructor(
    private readonly options: ResolvedShellOptions,
    private readonly context: TopologyContext,
    private readonly conf: Config,
    private readonly hooks: ShellRunnerHooks,
  ) {
    const settings = shellSettings(conf);
    this.timeoutMs = settings.heartbeatTimeoutMs;
    this.environment = settings.environment;
    this.backoffMs = options.restartInitialMs;
    this.log = context.log;
  }

  /** Whether the child has answered the handshake and is alive. */
  get ready(): boolean {
    return this.state === 'ready';
  }

  /** Incremented per child; messages ids and spout ids are tied to the child that made them. */
  get currentGeneration(): number {
    return this.generation;
  }

  /** The pid the current child reported in the handshake. */
  get childPid(): number | undefined {
    return this.reportedPid;
  }

  /** The directory children record their pids in. */
  get pidDir(): string {
    return this.pidDirPath;
  }

  /** Monotonic ms of the last message read from the child. */
  get lastRead(): number {
    return this.lastReadMs;
  }

  /** Counts the current moment as activity (a spout starting to wait for a sync). */
  touch(): void {
    this.lastReadMs = this.options.clock.monotonicMs();
  }

  /** Starts the first child and the timeout checks. */
  start(): void {
    if (this.state !== 'idle') return;
    if (this.options.pidDir) this.pidDirPath = path.resolve(this.options.pidDir);
    else {
      this.pidDirPath = mkdtempSync(path.join(tmpdir(), 'squall-pids-'));
      this.ownPidDir = true;
    }
    this.scheduleTick();
    this.spawnChild();
  }

  /** Writes a frame to the ready child; dropped otherwise (its work is failed or held by the component). */
  write(encode: (codec: WireCodec) => Frame): void {
    if (this.state !== 'ready') return;
    this.proc!.write(encode(this.codec!));
  }

  private scheduleTick(): void {
    this.cancelTick = this.options.clock.setTimer(TICK_MS, () => {
      if (this.state === 'closed') return;
      this.tick();
      this.scheduleTick();
    });
  }

  private tick(): void {
    const silent = this.options.clock.monotonicMs() - this.lastReadMs;
    if (this.state === 'starting' && this.options.clock.monotonicMs() - this.startedMs > this.timeoutMs)
      this.die(new SubprocessTimeoutError(this.timeoutMs / 1000, 'before it answered the handshake'));
    else if (this.state === 'ready') this.hooks.onTick(silent, this.timeoutMs);
  }

  private spawnChild(): void {
    this.generation++;
    this.starts++;
    this.reportedPid = undefined;
    const gen = this.generation;
    const codec: WireCodec = this.options.serializer === 'msgpack' ? new MsgpackCodec() : new JsonCodec();
    this.codec = codec;
    this.state = 'starting';
    this.startedMs = this.lastReadMs = this.options.clock.monotonicMs();
    const env = childEnvironment(
      process.env,
      [this.environment ?? undefined, this.options.env],
      this.options.pythonLibrary ? PYTHON_LIBRARY_DIR : undefined,
    );
    const cwd = this.options.cwd ?? this.context.resourcesDir;
    const proc = new ShellProcess(
      { command: this.options.command, cwd, env, codec },
      {
        onMessages: (messages) => this.onMessages(gen, messages),
        onStderr: (line) => this.log.info({ childPid: proc.pid, stream: 'stderr' }, line),
        onFailure: (reason) => {
          if (gen === this.generation) this.die(reason);
        },
      },
    );
    this.proc = proc;
    this.log.debug({ command: this.options.command, cwd, childPid: proc.pid }, 'started multi-lang child');
    proc.write(
      codec.encode({ conf: this.conf, pidDir: this.pidDirPath, context: buildHandshakeContext(this.context) }),
    );
  }

  private onMessages(gen: number, messages: DecodedMessage[]): void {
    for (const m of messages) {
      if (gen !== this.generation || (this.state !== 'starting' && this.state !== 'ready')) return;
      this.lastReadMs = this.options.clock.monotonicMs();
      try {
        this.dispatch(m);
      } catch (err) {
        if (err instanceof ProtocolViolationError) this.die(err);
        else this.hooks.reportError(err);
      }
    }
  }

  private dispatch(m: DecodedMessage): void {
    const body = m.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new ProtocolViolationError(`the child sent ${JSON.stringify(body)}, not a command object`);
    const msg = body as Record<string, unknown>;
    const command = msg.command;
    if (command === 'log') return this.childLog(msg);
    if (command === 'error')
      return this.hooks.reportError(
        new ShellComponentError(typeof msg.msg === 'string' ? msg.msg : JSON.stringify(msg.msg)),
      );
    if (command === 'metrics') return this.metric(msg);
    if (this.state === 'starting') {
      if (command === undefined && 'pid' in msg) return this.handshakeDone(msg.pid);
      throw new ProtocolViolationError(
        `expected the handshake answer {"pid": N}, got ${JSON.stringify(msg).slice(0, 200)}`,
      );
    }
    if (typeof command !== 'string')
      throw new ProtocolViolationError(`a message without a command: ${JSON.stringify(msg).slice(0, 200)}`);
    this.hooks.onCommand(msg, m);
  }

  private handshakeDone(pid: unknown): void {
    const n = typeof pid === 'bigint' ? Number(pid) : pid;
    if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0)
      throw new ProtocolViolationError(`the handshake answer has no valid pid: ${String(pid)}`);
    this.reportedPid = n;
    this.state = 'ready';
    this.readyMs = this.options.clock.monotonicMs();
    this.log.info({ childPid: n, command: this.options.command }, 'multi-lang child ready');
    this.hooks.onReady();
  }

  private childLog(msg: Record<string, unknown>): void {
    const level =
      typeof msg.level === 'number' && msg.level >= 0 && msg.level <= 4 ? LOG_METHODS[Math.floor(msg.level)]! : 'info';
    const text = typeof msg.msg === 'string' ? msg.msg : JSON.stringify(msg.msg);
    this.log[level]({ childPid: this.reportedPid ?? this.proc?.pid }, text);
  }

  private metric(msg: Record<string, unknown>): void {
    const name = String(msg.name);
    const metric = this.options.metrics.get(name);
    if (!metric) {
      // Reported once per name (a child updating it every heartbeat would fill the error list), logged each time.
      const err = new UnknownMetricError(name);
      if (this.unknownMetrics.size < 64 && !this.unknownMetrics.has(name)) {
        this.unknownMetrics.add(name);
        this.hooks.reportError(err);
      } else this.log.warn({ childPid: this.reportedPid ?? this.proc?.pid }, err.message);
      return;
    }
    metric.update(msg.params);
  }

  /**
   * Declares the current child dead: logs and reports `reason`, lets the component fail what the child held, kills
   * the process group and schedules a restart. Ignored for a child already dead or while closing.
   */
  die(reason: Error): void {
    if (this.state !== 'starting' && this.state !== 'ready') return;
    const now = this.options.clock.monotonicMs();
    if (this.state === 'ready' && now - this.readyMs >= this.options.restartMaxMs)
      this.backoffMs = this.options.restartInitialMs;
    this.state = 'dead';
    const proc = this.proc!;
    this.log.warn(
      { childPid: this.reportedPid ?? proc.pid, err: reason, restartInMs: this.backoffMs },
      `multi-lang child died, restarting it: ${reason.message}`,
    );
    this.hooks.reportError(reason);
    try {
      this.hooks.onDeath(reason);
    } finally {
      this.removePidFile();
      proc.destroy().catch(() => {});
      const delay = this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, this.options.restartMaxMs);
      this.cancelRestart = this.options.clock.setTimer(delay, () => {
        this.cancelRestart = undefined;
        if (this.state === 'dead') this.spawnChild();
      });
    }
  }

  private removePidFile(): void {
    if (this.reportedPid === undefined) return;
    try {
      unlinkSync(path.join(this.pidDirPath, String(this.reportedPid)));
    } catch {
      // the child never created it
    }
  }

  /** Stops for good: no more restarts; the child gets EOF, SIGTERM, then SIGKILL after the grace period. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.cancelTick?.();
    this.cancelRestart?.();
    const proc = this.proc;
    this.proc = undefined;
    if (proc) await proc.stop(this.options.killGraceMs);
    this.removePidFile();
    if (this.ownPidDir) rmSync(this.pidDirPath, { recursive: true, force: true });
  }
}
