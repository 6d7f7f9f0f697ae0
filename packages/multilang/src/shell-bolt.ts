import type { Config } from '@squall/core';
import {
  Bolt,
  EmitError,
  type OutputCollector,
  type OutputFieldsDeclarer,
  type TopologyContext,
  type Tuple,
} from '@squall/api';
import { declareShellOutputs } from './declare-outputs';
import { parseEmit } from './emit-command';
import { ProtocolViolationError, SubprocessTimeoutError } from './errors';
import { resolveShellOptions, type ResolvedShellOptions, type ShellComponentOptions } from './shell-options';
import { ShellRunner } from './shell-runner';
import { shellSettings } from './shell-settings';

/**
 * A bolt run as a child process speaking Storm's multi-lang protocol (Storm's ShellBolt), e.g. a pystorm,
 * streamparse or storm.py bolt:
 * `builder.setBolt('count', () => new ShellBolt({ command: ['python3', '-m', 'squall.run', 'bolts.wordcount.WordCountBolt'], outputs: ['word', 'count'] }), 2)`.
 *
 * Each input is written with a host-generated id; the child acks or fails it by that id, and anchors emits to it.
 * At most `topology.shellbolt.max.pending` inputs are written and unsettled at a time; the rest wait in the host.
 * A heartbeat tuple is written every second; a child silent for longer than the subprocess timeout, one that exits
 * or breaks the protocol is killed and restarted with backoff, after its unsettled inputs are failed (so their
 * spouts replay them). Tick tuples are forwarded like any input and must be acked by the child.
 */
export class ShellBolt extends Bolt {
  /** The options as given, for display. */
  readonly shellOptions: ShellComponentOptions;
  private readonly resolved: ResolvedShellOptions;
  private runner: ShellRunner | undefined;
  /** Inputs written to the child and not yet acked or failed, by the id they were written with. */
  private readonly pending = new Map<string, Tuple>();
  /** Inputs not yet written (over the pending cap, or while the child is starting or restarting). */
  private held: Array<Tuple | undefined> = [];
  private heldHead = 0;
  private maxPending = 100;
  /** `topology.executor.receive.buffer.size`, read in prepare. */
  private receiveBufferSize = 0;
  private nextId = 0;

  /** @throws ShellOptionsError for unusable options */
  constructor(options: ShellComponentOptions) {
    super();
    this.shellOptions = options;
    this.resolved = resolveShellOptions(options);
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

  override prepare(conf: Config, context: TopologyContext, collector: OutputCollector): void {
    this.collector = collector;
    const settings = shellSettings(conf);
    this.maxPending = settings.boltMaxPending;
    this.receiveBufferSize = settings.receiveBufferSize;
    this.runner = new ShellRunner(this.resolved, context, conf, {
      onReady: () => this.pump(),
      onCommand: (msg) => this.onCommand(msg),
      onTick: (silentMs, timeoutMs) => this.onTick(silentMs, timeoutMs),
      onDeath: () => this.failPending(),
      reportError: (err) => this.collector.reportError(err),
    });
    this.runner.start();
  }

  override execute(tuple: Tuple): void {
    this.held.push(tuple);
    this.pump();
  }

  /** Inputs in the child plus those held for it: a drained stop waits for them to be acked or failed. */
  unsettledInputs(): number {
    return this.pending.size + this.held.length - this.heldHead;
  }

  override async cleanup(): Promise<void> {
    this.context.setOverloaded(false);
    await this.runner?.close();
  }

  /**
   * Held inputs are outside the engine's queues: past the receive buffer size the task reports itself overloaded, so
   * spouts pause as for a full queue, and clears that below half of it.
   */
  private updateOverload(): void {
    const held = this.held.length - this.heldHead;
    const limit = this.receiveBufferSize;
    if (held > limit) this.context.setOverloaded(true);
    else if (held < limit / 2) this.context.setOverloaded(false);
  }

  /** Writes held inputs while the child is ready and under the pending cap. */
  private pump(): void {
    const runner = this.runner;
    if (!runner?.ready) return;
    while (this.pending.size < this.maxPending && this.heldHead < this.held.length) {
      const t = this.held[this.heldHead]!;
      this.held[this.heldHead++] = undefined;
      const id = String(++this.nextId);
      this.pending.set(id, t);
      runner.write((c) => c.encodeTuple(id, t.sourceComponent, t.sourceStreamId, t.sourceTask, t.values));
    }
    if (this.heldHead === this.held.length) {
      this.held = [];
      this.heldHead = 0;
    } else if (this.heldHead > 1024 && this.heldHead * 2 > this.held.length) {
      this.held = this.held.slice(this.heldHead);
      this.heldHead = 0;
    }
    this.updateOverload();
  }

  private onCommand(msg: Record<string, unknown>): void {
    switch (msg.command) {
      case 'sync':
        return; // a heartbeat answer: reading it was the point
      case 'ack':
      case 'fail':
        return this.settle(msg.command, msg.id);
      case 'emit':
        return this.emit(msg);
      default:
        throw new ProtocolViolationError(`unknown command ${JSON.stringify(msg.command)} from a bolt`);
    }
  }

  private settle(command: 'ack' | 'fail', id: unknown): void {
    const key = typeof id === 'string' ? id : undefined;
    const tuple = key === undefined ? undefined : this.pending.get(key);
    if (tuple === undefined)
      throw new ProtocolViolationError(
        `${command} of ${JSON.stringify(id)}, which is not a pending input (unknown, or already acked or failed)`,
      );
    this.pending.delete(key!);
    if (command === 'ack') this.collector.ack(tuple);
    else this.collector.fail(tuple);
    this.pump();
  }

  private emit(msg: Record<string, unknown>): void {
    const e = parseEmit(msg);
    const anchors: Tuple[] = [];
    for (const a of e.anchors) {
      const t = this.pending.get(a);
      if (t === undefined)
        throw new ProtocolViolationError(
          `an emit anchored to ${JSON.stringify(a)}, which is not a pending input (unknown, or already acked or failed)`,
        );
      anchors.push(t);
    }
    try {
      if (e.directTask !== undefined) this.collector.emitDirect(e.directTask, e.stream, anchors, e.values);
      else {
        const tasks = this.collector.emit(e.stream, anchors, e.values);
        if (e.needTaskIds) this.runner!.write((c) => c.encodeTaskIds(tasks));
      }
    } catch (err) {
      // A bad emit (wrong arity, undeclared stream) is the component's bug, not a broken stream: report it, and
      // still answer a child that waits for task ids so it does not hang.
      if (!(err instanceof EmitError)) throw err;
      this.collector.reportError(err);
      if (e.directTask === undefined && e.needTaskIds) this.runner!.write((c) => c.encodeTaskIds([]));
    }
  }

  private onTick(silentMs: number, timeoutMs: number): void {
    if (silentMs > timeoutMs) {
      this.runner!.die(new SubprocessTimeoutError(timeoutMs / 1000, `(${this.pending.size} input(s) pending)`));
      return;
    }
    const id = String(Math.floor(Math.random() * Number.MAX_SAFE_INTEGER));
    this.runner!.write((c) => c.encodeTuple(id, null, '__heartbeat', -1, []));
  }

  /** The child died: fail what it held so the spouts replay it; held inputs go to the next child. */
  private failPending(): void {
    const inputs = [...this.pending.values()];
    this.pending.clear();
    for (const t of inputs) this.collector.fail(t);
  }
}
