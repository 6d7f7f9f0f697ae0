import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { ProtocolViolationError, SubprocessExitedError, SubprocessStartError } from './errors';
import { addLiveChild, removeLiveChild } from './live-children';
import type { DecodedMessage, Frame, WireCodec } from './wire';

/** Longest stderr line logged as one entry; longer output is split. */
const MAX_STDERR_LINE = 16 * 1024;
/** How many of the child's last stderr lines, each cut at how many characters, an exit error quotes. */
const STDERR_TAIL_LINES = 5;
const STDERR_TAIL_CHARS = 300;
/** After the child exits, how long its stdout may stay open (held by a grandchild) before we stop waiting for it. */
const CLOSE_AFTER_EXIT_MS = 200;

/** What {@link ShellProcess} reports to its owner. */
export interface ShellProcessEvents {
  /** Complete messages, in order. */
  onMessages(messages: DecodedMessage[]): void;
  /** One line of the child's stderr (without its newline). */
  onStderr(line: string): void;
  /** The child failed: could not start, wrote undecodable data, or exited. Called at most once. */
  onFailure(reason: Error): void;
}

/** How to start one child. */
export interface ShellProcessOptions {
  command: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  codec: WireCodec;
}

/**
 * One child process speaking the multi-lang protocol on its stdin/stdout. It runs in its own process group (so
 * anything it forks is killed with it), its stderr is drained continuously (a full pipe would block the child), and
 * writes made in one tick go out as one batch.
 */
export class ShellProcess {
  readonly child: ChildProcess;
  private failed = false;
  private stopping = false;
  /** Frames written in this tick, sent together once it ends. */
  private outText = '';
  private outBytes: Uint8Array[] = [];
  private flushQueued = false;
  private stderrBuf = '';
  /** The last non-blank stderr lines, quoted when the child exits. */
  private readonly stderrTail: string[] = [];
  private readonly exited: Promise<void>;
  private exitedAlready = false;

  constructor(
    readonly options: ShellProcessOptions,
    private readonly events: ShellProcessEvents,
  ) {
    const [program, args] = withParentDeathSignal(options);
    this.child = spawn(program, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const pid = this.child.pid;
    if (pid !== undefined) addLiveChild(pid);
    this.exited = new Promise<void>((resolve) => {
      const done = () => {
        if (this.exitedAlready) return;
        this.exitedAlready = true;
        if (pid !== undefined) removeLiveChild(pid);
        resolve();
      };
      this.child.once('error', (err) => {
        if (this.child.pid === undefined) done();
        this.fail(new SubprocessStartError(options.command, err));
      });
      this.child.once('exit', (code, signal) => {
        const reason = () => new SubprocessExitedError(code, signal, [...this.stderrTail]);
        // Let stdout deliver what the child wrote before exiting (pystorm sends its error and fail, then exits).
        const timer = setTimeout(() => this.fail(reason()), CLOSE_AFTER_EXIT_MS);
        this.child.once('close', () => {
          clearTimeout(timer);
          this.flushStderr();
          this.fail(reason());
        });
        done();
      });
    });
    this.child.stdin!.on('error', () => {}); // EPIPE after the child died: the exit handler reports it
    this.child.stdout!.on('error', () => {});
    this.child.stderr!.on('error', () => {});
    this.child.stdout!.on('data', (chunk: Buffer) => {
      if (this.failed) return;
      let messages: DecodedMessage[];
      try {
        messages = options.codec.feed(chunk);
      } catch (err) {
        this.fail(err instanceof ProtocolViolationError ? err : new ProtocolViolationError(String(err)));
        return;
      }
      if (messages.length > 0) this.events.onMessages(messages);
    });
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (text: string) => this.onStderr(text));
  }

  /** The child's pid as the OS knows it (undefined when it could not be started). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether the process has exited (or never started). */
  get hasExited(): boolean {
    return this.exitedAlready;
  }

  /**
   * Writes one frame; frames written in the same tick are joined and sent with one write at its end (one syscall and
   * one buffer instead of a writev of many small chunks). A dead child's writes are dropped.
   */
  write(frame: Frame): void {
    if (typeof frame === 'string') this.outText += frame;
    else this.outBytes.push(frame);
    if (!this.flushQueued) {
      this.flushQueued = true;
      process.nextTick(this.flushOut);
    }
  }

  private readonly flushOut = (): void => {
    this.flushQueued = false;
    const text = this.outText;
    const bytes = this.outBytes;
    this.outText = '';
    if (bytes.length > 0) this.outBytes = [];
    const stdin = this.child.stdin;
    if (!stdin || stdin.destroyed || stdin.writableEnded) return;
    // A codec writes either text (JSON) or bytes (msgpack), never both.
    if (text !== '') stdin.write(text);
    if (bytes.length === 1) stdin.write(bytes[0]!);
    else if (bytes.length > 1) stdin.write(Buffer.concat(bytes));
  };

  /** Sends `signal` to the child's whole process group. */
  kill(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      try {
        this.child.kill(signal);
      } catch {
        // gone
      }
    }
  }

  /** Kills the group at once (a broken or hung child) and resolves once the leader has exited. */
  async destroy(): Promise<void> {
    this.stopping = true;
    this.kill('SIGKILL');
    await this.exited;
  }

  /**
   * Stops the child politely: ends its stdin (pystorm exits on EOF), then SIGTERM to its group, then SIGKILL after
   * `graceMs`; resolves once the leader has exited. Failures after this call are not reported.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.failed = true;
    this.flushOut(); // frames written earlier in this tick go before the end
    this.child.stdin?.end();
    if (!this.exitedAlready && !(await within(this.exited, 100))) {
      this.kill('SIGTERM');
      if (!(await within(this.exited, graceMs))) this.kill('SIGKILL');
    }
    await this.exited;
    this.kill('SIGKILL'); // anything the child forked and left in its group
  }

  private fail(reason: Error): void {
    if (this.failed) return;
    this.failed = true;
    if (!this.stopping) this.events.onFailure(reason);
  }

  private onStderr(text: string): void {
    let buf = this.stderrBuf + text;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      this.stderrLine(buf.slice(0, nl).replace(/\r$/, ''));
      buf = buf.slice(nl + 1);
    }
    while (buf.length > MAX_STDERR_LINE) {
      this.stderrLine(buf.slice(0, MAX_STDERR_LINE));
      buf = buf.slice(MAX_STDERR_LINE);
    }
    this.stderrBuf = buf;
  }

  private flushStderr(): void {
    if (this.stderrBuf !== '') this.stderrLine(this.stderrBuf);
    this.stderrBuf = '';
  }

  private stderrLine(line: string): void {
    this.events.onStderr(line);
    const trimmed = line.trim();
    if (trimmed === '') return;
    this.stderrTail.push(trimmed.length > STDERR_TAIL_CHARS ? `${trimmed.slice(0, STDERR_TAIL_CHARS)}...` : trimmed);
    if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
  }
}

const SETPRIV = '/usr/bin/setpriv';

/**
 * The command, run through `setpriv --pdeathsig SIGKILL` where available (Linux, util-linux): a worker killed with
 * SIGKILL cannot run its exit hook, and a child busy in user code would not notice EOF on stdin, so the kernel kills
 * the child when the worker dies. setpriv exec()s the program, so the pid and process group stay the child's own.
 * Only a program that resolves to an executable is wrapped, so a missing one still fails to spawn with ENOENT.
 */
function withParentDeathSignal(options: ShellProcessOptions): [string, string[]] {
  const [program, ...args] = options.command;
  if (process.platform !== 'linux' || !existsSync(SETPRIV)) return [program!, args];
  const resolved = resolveExecutable(program!, options.cwd, options.env.PATH ?? process.env.PATH ?? '');
  return resolved ? [SETPRIV, ['--pdeathsig', 'SIGKILL', resolved, ...args]] : [program!, args];
}

function resolveExecutable(program: string, cwd: string, searchPath: string): string | undefined {
  const candidates = program.includes('/')
    ? [path.resolve(cwd, program)]
    : searchPath
        .split(path.delimiter)
        .filter(Boolean)
        .map((d) => path.join(path.resolve(cwd, d), program));
  for (const c of candidates) {
    try {
      accessSync(c, fsConstants.X_OK);
      if (statSync(c).isFile()) return c;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Whether `p` settles within `ms`. */
async function within(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
