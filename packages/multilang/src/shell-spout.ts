import type { Config } from '@squall/core';
import {
  ASYNC_SPOUT,
  EmitError,
  Spout,
  type AsyncSpoutHooks,
  type OutputFieldsDeclarer,
  type SpoutOutputCollector,
  type TopologyContext,
} from '@squall/api';
import { declareShellOutputs } from './declare-outputs';
import { parseEmit, type EmitCommand } from './emit-command';
import { ProtocolViolationError, SubprocessTimeoutError } from './errors';
import { ShellMessageId } from './message-id';
import { resolveShellOptions, type ResolvedShellOptions, type ShellComponentOptions } from './shell-options';
import { ShellRunner } from './shell-runner';
import { shellSettings } from './shell-settings';

type Command = { kind: 'next' | 'activate' | 'deactivate' } | { kind: 'ack' | 'fail'; id: ShellMessageId };

/** Longest a closing spout waits for its last command (normally `deactivate`) to be answered. */
const CLOSE_WAIT_MS = 1000;
/** Most emits a child may make ahead of the engine's nextTuple calls (lowered to `topology.max.spout.pending`). */
export const READ_AHEAD_LIMIT = 1000;

/**
 * A spout run as a child process speaking Storm's multi-lang protocol (Storm's ShellSpout).
 *
 * The protocol answers each command with a `sync`, in order. Storm writes one command at a time; this host writes up
 * to `topology.shellspout.max.pending` (default 8) ahead of their syncs, so the child finds its next command already
 * waiting instead of sleeping in a read between each answer and the next command (measured: 2-3x the tuples per
 * second of a one-emit-per-next Python spout). It does so only for a child whose emits do not wait for task ids:
 * one that asks for them gets Storm's one command at a time. The engine calls `nextTuple`
 * synchronously and counts the emits made during the call; a child cannot answer within it. So `nextTuple` sends
 * `next` when nothing is outstanding and returns, and the emits the child makes in answer are held and emitted by the
 * following `nextTuple` call. While a command is outstanding the spout tells the engine it is waiting (ASYNC_SPOUT):
 * an empty nextTuple call then is not idleness, and each sync wakes the engine at once. Only a `next` whose sync came
 * back without emits shows up as an empty call, so the engine's spout wait strategy backs off exactly as for a native
 * spout with nothing to emit.
 *
 * To keep a productive child busy while the engine is between calls, a `next` that emitted something is followed
 * at once by another, as long as fewer than {@link READ_AHEAD_LIMIT} emits (at most `topology.max.spout.pending`)
 * were made since the engine last called `nextTuple`; the engine only releases them when it asks for tuples, so
 * max-pending and backpressure still bound what enters the topology. Emits whose child waits for task ids
 * (storm.py/storm.js style) are emitted at once (the ids must be computed now), as are emits made while answering
 * ack, fail, activate or deactivate.
 *
 * Commands the engine issues meanwhile (ack, fail, activate, deactivate) queue and go before any further `next`, one
 * at a time after each sync; with acking disabled the engine acks an emitted id at once, so that ack is sent after
 * the current sync. Message ids are echoed exactly as the child emitted them (see {@link ShellMessageId}).
 */
export class ShellSpout extends Spout {
  /** The options as given, for display. */
  readonly shellOptions: ShellComponentOptions;
  private readonly resolved: ResolvedShellOptions;
  private runner: ShellRunner | undefined;
  private queue: Command[] = [];
  /** Commands written and not yet synced, oldest first (the child answers them in order). */
  private inflight: Command[] = [];
  private nextsInFlight = 0;
  /** `topology.shellspout.max.pending`: most commands written ahead of their syncs. */
  private maxWindow = 1;
  /**
   * Commands written ahead now: 1 until a `next` was answered by emits that did not wait for task ids, and 1 again for
   * good once an emit waits for task ids (a child blocked on its task ids must find them next on its stdin, not a
   * command: Storm's own libraries queue such commands, strict children do not).
   */
  private window = 1;
  private needsTaskIds = false;
  /** Emits made in answer to `next`, released by the following nextTuple call. */
  private held: EmitCommand[] = [];
  private active = false;
  /** Emits made since the engine last called nextTuple, and by the oldest `next` in flight. */
  private emitsSinceCall = 0;
  private emitsThisNext = 0;
  private readAheadLimit = READ_AHEAD_LIMIT;
  private idleWaiters: Array<() => void> = [];
  /** The last `next` synced without emitting: the following nextTuple reports idleness (the wait strategy applies). */
  private nextCameBackEmpty = false;
  /**
   * The engine's hooks (see ASYNC_SPOUT): while a command is out, a nextTuple that emitted nothing is not idleness,
   * and every sync wakes the engine, which then releases what the child emitted and asks for more.
   */
  readonly [ASYNC_SPOUT]: AsyncSpoutHooks;

  /** @throws ShellOptionsError for unusable options */
  constructor(options: ShellComponentOptions) {
    super();
    this.shellOptions = options;
    this.resolved = resolveShellOptions(options);
    const outstanding = () => this.inflight.length > 0 && this.runner?.ready === true;
    this[ASYNC_SPOUT] = {
      get waiting() {
        return outstanding();
      },
      wake: () => undefined,
    };
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declareShellOutputs(declarer, this.resolved.outputs);
  }

  override getComponentConfiguration(): Config | undefined {
    return this.resolved.config;
  }

  /** Pid the current child reported (undefined while none is running). */
  get childPid(): number | undefined {
    return this.runner?.childPid;
  }

  /** Children started so far, the first included: above 1 means the child was restarted. */
  get childStarts(): number {
    return this.runner?.starts ?? 0;
  }

  override open(conf: Config, context: TopologyContext, collector: SpoutOutputCollector): void {
    this.collector = collector;
    const settings = shellSettings(conf);
    const maxPending = settings.maxSpoutPending;
    if (maxPending !== null) this.readAheadLimit = Math.min(READ_AHEAD_LIMIT, maxPending);
    this.maxWindow = settings.spoutMaxPending;
    this.runner = new ShellRunner(this.resolved, context, conf, {
      onReady: () => this.onReady(),
      onCommand: (msg, decoded) => this.onCommand(msg, decoded.rawId),
      onTick: (silentMs, timeoutMs) => {
        if (this.inflight.length > 0 && silentMs > timeoutMs)
          this.runner!.die(
            new SubprocessTimeoutError(
              timeoutMs / 1000,
              `while waiting for the sync after '${this.inflight[0]!.kind}'`,
            ),
          );
      },
      onDeath: () => this.onDeath(),
      reportError: (err) => this.collector.reportError(err),
    });
    this.runner.start();
  }

  override nextTuple(): void {
    this.release();
    this.emitsSinceCall = 0;
    if (this.nextCameBackEmpty) {
      this.nextCameBackEmpty = false;
      return;
    }
    if (this.runner?.ready && this.inflight.length === 0 && this.queue.length === 0) this.send({ kind: 'next' });
  }

  override activate(): void {
    this.active = true;
    this.enqueue({ kind: 'activate' });
  }

  override deactivate(): void {
    this.active = false;
    this.release();
    this.enqueue({ kind: 'deactivate' });
  }

  override ack(messageId: unknown): void {
    if (this.isCurrent(messageId)) this.enqueue({ kind: 'ack', id: messageId });
  }

  override fail(messageId: unknown): void {
    if (this.isCurrent(messageId)) this.enqueue({ kind: 'fail', id: messageId });
  }

  override async close(): Promise<void> {
    if (!this.runner) return;
    if (this.runner.ready && (this.inflight.length > 0 || this.queue.length > 0)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, CLOSE_WAIT_MS);
        this.idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await this.runner.close();
  }

  /** Acks and fails of ids emitted by a child that has since died are dropped: its replacement never saw them. */
  private isCurrent(id: unknown): id is ShellMessageId {
    return id instanceof ShellMessageId && id.generation === this.runner?.currentGeneration;
  }

  private enqueue(c: Command): void {
    this.queue.push(c);
    this.pump();
  }

  private pump(readAhead = false): void {
    if (!this.runner?.ready) return;
    while (this.inflight.length < this.window && this.queue.length > 0) this.send(this.queue.shift()!);
    if (readAhead && this.active)
      while (this.inflight.length < this.window && this.emitsSinceCall + this.nextsInFlight < this.readAheadLimit)
        this.send({ kind: 'next' });
    if (this.inflight.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private send(c: Command): void {
    // The timeout counts from the start of a wait, not from the last (idle) read.
    if (this.inflight.length === 0) this.runner!.touch();
    this.inflight.push(c);
    if (c.kind === 'next') this.nextsInFlight++;
    if (c.kind === 'ack' || c.kind === 'fail') this.runner!.write((codec) => codec.encodeSpoutCommand(c.kind, c.id));
    else this.runner!.write((codec) => codec.encode({ command: c.kind, id: '' }));
  }

  private onReady(): void {
    // Acks and fails queued while no child was running belong to the dead one.
    const gen = this.runner!.currentGeneration;
    this.queue = this.queue.filter((c) => (c.kind !== 'ack' && c.kind !== 'fail') || c.id.generation === gen);
    // A restarted child must be activated again before its first next (Storm restarts the worker, which does that).
    if (this.runner!.starts > 1 && this.active && this.queue[0]?.kind !== 'activate')
      this.queue.unshift({ kind: 'activate' });
    this.pump();
  }

  private onCommand(msg: Record<string, unknown>, rawId: string | undefined): void {
    if (msg.command === 'sync') {
      const done = this.inflight.shift();
      if (!done) return; // unsolicited: harmless, nothing to complete
      const emitted = this.emitsThisNext > 0;
      this.emitsThisNext = 0; // emits from now on answer the next command in flight
      if (done.kind === 'next') {
        this.nextsInFlight--;
        if (!emitted) this.nextCameBackEmpty = true;
        else if (!this.needsTaskIds) this.window = this.maxWindow;
      }
      this.pump(done.kind === 'next' && emitted);
      this[ASYNC_SPOUT].wake();
      return;
    }
    if (msg.command !== 'emit')
      throw new ProtocolViolationError(`unknown command ${JSON.stringify(msg.command)} from a spout`);
    const e = parseEmit(msg);
    if (e.id !== undefined && e.id !== null) e.id = new ShellMessageId(this.runner!.currentGeneration, e.id, rawId);
    const answering = this.inflight[0]?.kind;
    if (answering === 'next') {
      this.emitsThisNext++;
      this.emitsSinceCall++;
    }
    if (e.directTask === undefined && e.needTaskIds) {
      this.needsTaskIds = true;
      this.window = 1;
      this.release();
      const tasks = this.emitNow(e);
      this.runner!.write((c) => c.encodeTaskIds(tasks ?? []));
    } else if (answering === 'next' && this.active) {
      // Answers to nexts sent before a deactivate are emitted at once: no nextTuple comes to release them.
      this.held.push(e);
    } else this.emitNow(e);
  }

  /** Emits held emits (made in answer to an earlier `next`); called from nextTuple so the engine counts them. */
  private release(): void {
    if (this.held.length === 0) return;
    const held = this.held;
    this.held = [];
    for (const e of held) this.emitNow(e);
  }

  private emitNow(e: EmitCommand): readonly number[] | undefined {
    const id = e.id === null ? undefined : e.id;
    try {
      if (e.directTask !== undefined) {
        this.collector.emitDirect(e.directTask, e.stream, e.values, id);
        return undefined;
      }
      return this.collector.emit(e.stream, e.values, id);
    } catch (err) {
      if (!(err instanceof EmitError)) throw err;
      this.collector.reportError(err);
      return undefined;
    }
  }

  private onDeath(): void {
    // What the dead child emitted was emitted; its ids can no longer be acked (isCurrent drops them).
    this.release();
    this.inflight = [];
    this.nextsInFlight = 0;
    this.emitsThisNext = 0;
    this.queue = [];
    this[ASYNC_SPOUT].wake();
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
