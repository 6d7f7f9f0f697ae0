import {
  ATTACH,
  EmitError,
  FailedException,
  isBasicBolt,
  type AnyBolt,
  type Anchors,
  type BasicBolt,
  type BasicOutputCollector,
  type BoltLike,
  type OutputCollector,
  type Fields,
  type Tuple,
  type Values,
} from '@squall/api';
import {
  ACK_ACK_STREAM,
  ACK_BATCH_LIMIT,
  ACK_FAIL_STREAM,
  ACK_RESET_TIMEOUT_STREAM,
  AckBatcher,
  ackerFor,
  ackerIndex,
} from './acking';
import { ExecutorBase, settle } from './executor-base';
import type { ExecutorHost } from './executor-host';
import type { TaskEmitter } from './emitter';
import { toAnchorList } from './emitter';
import type { InputCounters } from '@squall/stats';
import { QuadBuffer } from './quad-buffer';
import { TupleImpl } from './tuple-impl';
import type { ExecutorSpec } from '@squall/api';
import { CHECKPOINT_SPOUT_ID, isStatefulBolt, isWindowedBolt } from '@squall/api';
import { WindowedBoltRunner } from './windowing/windowed-bolt-runner';
import { AlignedBarrier } from './state/aligned-barrier';
import { CHECKPOINT_STREAM, CheckpointBarrier } from './state/checkpoint-barrier';
import { StatefulBoltRunner } from './state/stateful-bolt-runner';

/** One bolt task: its instance, collector and the emitter they share. */
interface BoltTask {
  task: number;
  bolt: AnyBolt;
  basic: boolean;
  collector: BoltCollector;
  /** Set for a bolt that is not stateful in a topology with checkpoints: forwards them (Storm's CheckpointTupleForwarder). */
  forwarder: CheckpointBarrier | undefined;
  /** Instead of {@link forwarder} under exactly-once state: forwards checkpoints once aligned across input tasks. */
  aligner: AlignedBarrier | undefined;
}

/** Runs the tasks of one bolt executor: drains the queue in batches, executes, acks, measures. */
export class BoltExecutor extends ExecutorBase {
  private readonly taskStates: BoltTask[] = [];
  private inBatch = false;
  private readonly touched: InputCounters[] = [];
  private lastKey = '';
  private lastInput: InputCounters | undefined;
  private cancelTick: (() => void) | undefined;
  /** Whether a drain is executing tuples: acks made meanwhile are batched until its end. */
  get batching(): boolean {
    return this.inBatch;
  }
  /** Async executes not yet resolved. */
  private executing = 0;
  /** Acker tasks and this component's acker streams, resolved once. */
  readonly ackers: readonly number[];
  readonly ackStreams: Readonly<Record<string, { fields: Fields; key: string }>>;

  constructor(spec: ExecutorSpec, host: ExecutorHost) {
    super(spec, host, 'bolt');
    this.ackers = host.model.ackerTasks;
    this.ackStreams = Object.fromEntries(
      [ACK_ACK_STREAM, ACK_FAIL_STREAM, ACK_RESET_TIMEOUT_STREAM].map((s) => [
        s,
        host.model.systemStream(this.component, s),
      ]),
    );
  }

  /** Input counters of an interned stream key, with a one-entry cache (most batches come from one stream). */
  input(key: string): InputCounters {
    if (key === this.lastKey) return this.lastInput!;
    const c = this.stats.input(key);
    this.lastKey = key;
    this.lastInput = c;
    return c;
  }

  async start(): Promise<void> {
    for (const task of this.tasks) {
      const created = this.host.registry.createComponent(this.component) as AnyBolt;
      const host = this.host;
      const bolt = isWindowedBolt(created)
        ? new WindowedBoltRunner(created, host.clock)
        : isStatefulBolt(created)
          ? new StatefulBoltRunner(created, host.model.spec.name, () => host.stateProvider(), host.model.exactlyOnce)
          : created;
      const context = this.makeContext(task);
      const emitter = this.makeEmitter(task, context);
      const collector = new BoltCollector(this, emitter, task);
      const basic = isBasicBolt(bolt);
      const checkpoints = host.model.components.has(CHECKPOINT_SPOUT_ID) && !(bolt instanceof StatefulBoltRunner);
      const aligned = checkpoints && host.model.exactlyOnce;
      const state: BoltTask = {
        task,
        bolt,
        basic,
        collector,
        forwarder: checkpoints && !aligned ? new CheckpointBarrier(context) : undefined,
        aligner: aligned ? new AlignedBarrier(context) : undefined,
      };
      const attach = (bolt as unknown as Record<symbol, unknown>)[ATTACH];
      if (typeof attach === 'function') attach.call(bolt, this.conf, context, collector);
      await settle(
        basic
          ? (bolt as BasicBolt).prepare(this.conf, context)
          : (bolt as BoltLike).prepare?.(this.conf, context, collector),
      );
      this.taskStates.push(state);
    }
    const freq = this.settings.tickFreqSecs;
    if (freq !== null) this.scheduleTicks(freq);
  }

  private scheduleTicks(freqSecs: number): void {
    const model = this.host.model;
    const fields = model.streamFields('__system', '__tick')!;
    const key = model.streamKey('__system', '__tick');
    const tick = () => {
      for (const t of this.taskStates)
        this.queue.push(t.task, new TupleImpl([freqSecs], fields, '__system', -1, '__tick', key, null));
      this.host.wake();
      this.cancelTick = this.host.clock.setTimer(freqSecs * 1000, tick);
    };
    this.cancelTick = this.host.clock.setTimer(freqSecs * 1000, tick);
  }

  drain(budget: number): number {
    const q = this.queue;
    if (q.size === 0) return 0;
    const clock = this.host.clock;
    const t0 = clock.monotonicMs();
    this.inBatch = true;
    let n = 0;
    while (n < budget && q.size > 0) {
      const task = q.peekTask();
      const tuple = q.shift();
      const state = this.taskStates[task - this.startTask]!;
      const ic = this.input(tuple.streamKey);
      ic.executed++;
      if (ic.inBatch++ === 0) this.touched.push(ic);
      tuple.execStart = t0;
      n++;
      if (state.aligner !== undefined) {
        this.aligned(state, state.aligner, tuple);
        continue;
      }
      try {
        if (state.forwarder !== undefined && tuple.sourceStreamId === CHECKPOINT_STREAM) {
          void state.forwarder.receive(tuple, state.collector, () => undefined);
          continue;
        }
        this.executeOne(state, tuple);
      } catch (err) {
        this.failed(state, tuple, err);
      }
    }
    this.inBatch = false;
    for (let i = 0; i < this.taskStates.length; i++) this.taskStates[i]!.collector.flushAcks();
    const dt = clock.monotonicMs() - t0;
    const mean = dt / n;
    this.stats.busyMs += dt;
    this.stats.execute.record(mean, n);
    for (const ic of this.touched) {
      ic.executeMs += ic.inBatch * mean;
      ic.inBatch = 0;
    }
    this.touched.length = 0;
    if (this.syncAcks > 0) {
      this.stats.process.record(mean, this.syncAcks);
      for (const ic of this.syncAckInputs) {
        ic.processMs += ic.syncAcked * mean;
        ic.syncAcked = 0;
      }
      this.syncAckInputs.length = 0;
      this.syncAcks = 0;
    }
    return n;
  }

  private executeOne(state: BoltTask, tuple: TupleImpl): void {
    const r = state.basic
      ? (state.bolt as BasicBolt).execute(tuple, new BasicCollector(state.collector, tuple))
      : (state.bolt as BoltLike).execute(tuple);
    if (r !== undefined && typeof (r as Promise<void>).then === 'function')
      this.awaitExecute(state, tuple, r as Promise<void>);
    else if (state.basic) state.collector.ack(tuple);
  }

  /** Exactly-once state: inputs pass the checkpoint alignment; inputs it releases run at once, in order. */
  private aligned(state: BoltTask, aligner: AlignedBarrier, first: TupleImpl): void {
    const work = [first];
    for (let i = 0; i < work.length; i++) {
      const tuple = work[i]!;
      if (aligner.hold(tuple)) continue;
      if (tuple.sourceStreamId === CHECKPOINT_STREAM) {
        const { released } = aligner.receive(tuple, state.collector, () => undefined);
        for (const t of released) work.push(t as TupleImpl);
        continue;
      }
      try {
        this.executeOne(state, tuple);
      } catch (err) {
        this.failed(state, tuple, err);
      }
    }
  }

  private syncAcks = 0;
  private readonly syncAckInputs: InputCounters[] = [];

  /** Counts an ack for process latency: acks inside a batch get the batch's mean execute time. */
  recordProcess(tuple: TupleImpl, ic: InputCounters): void {
    ic.processCount++;
    if (this.inBatch) {
      if (ic.syncAcked++ === 0) this.syncAckInputs.push(ic);
      this.syncAcks++;
    } else {
      const ms = this.host.clock.monotonicMs() - tuple.execStart;
      ic.processMs += ms;
      this.stats.process.record(ms);
    }
  }

  private awaitExecute(state: BoltTask, tuple: TupleImpl, p: Promise<void>): void {
    this.executing++;
    p.then(
      () => {
        this.executing--;
        if (state.basic) state.collector.ack(tuple);
        this.host.wake();
      },
      (err: unknown) => {
        this.executing--;
        this.failed(state, tuple, err);
        this.host.wake();
      },
    );
  }

  /** Inputs still being executed (async execute) or held by the bolt to settle later (a shell bolt's child). */
  get unsettledInputs(): number {
    let n = this.executing;
    for (const s of this.taskStates) {
      if (s.aligner !== undefined) n += s.aligner.heldCount;
      const b = s.bolt as BoltLike;
      if (!s.basic && typeof b.unsettledInputs === 'function') n += b.unsettledInputs();
    }
    return n;
  }

  /** A thrown or rejected execute: fail the input (if still open) and report unless it was a FailedException. */
  private failed(state: BoltTask, tuple: TupleImpl, err: unknown): void {
    if (!tuple.settled) state.collector.fail(tuple);
    if (!(err instanceof FailedException)) this.host.reportError(this.component, state.task, err);
  }

  async stop(): Promise<void> {
    this.cancelTick?.();
    for (const s of this.taskStates) {
      try {
        await settle(s.bolt.cleanup?.());
      } catch (err) {
        this.host.reportError(this.component, s.task, err);
      }
    }
  }

  /** @internal */
  get hostRef(): ExecutorHost {
    return this.host;
  }
}

/** The OutputCollector of one bolt task. */
export class BoltCollector implements OutputCollector {
  /** Acks on their way to the ackers, created on the first tracked ack. */
  private acks: AckBatcher | undefined;

  constructor(
    private readonly executor: BoltExecutor,
    readonly emitter: TaskEmitter,
    private readonly task: number,
  ) {}

  emit(a: string | Anchors | Values, b?: Anchors | Values, c?: Values): readonly number[] {
    const e = this.emitter;
    if (b === undefined) return e.emitBolt(e.route(undefined), null, a as Values);
    if (c !== undefined) return e.emitBolt(e.route(a as string), toAnchorList(b as Anchors), c);
    if (typeof a === 'string') return e.emitBolt(e.route(a), null, b as Values);
    return e.emitBolt(e.route(undefined), toAnchorList(a as Anchors), b as Values);
  }

  emitDirect(taskId: number, a: string | Anchors | Values, b?: Anchors | Values, c?: Values): void {
    const e = this.emitter;
    if (typeof taskId !== 'number') throw new EmitError('emitDirect needs a task id as its first argument');
    if (b === undefined) e.emitBolt(e.route(undefined), null, a as Values, taskId);
    else if (c !== undefined) e.emitBolt(e.route(a as string), toAnchorList(b as Anchors), c, taskId);
    else if (typeof a === 'string') e.emitBolt(e.route(a), null, b as Values, taskId);
    else e.emitBolt(e.route(undefined), toAnchorList(a as Anchors), b as Values, taskId);
  }

  ack(tuple: Tuple): void {
    const t = tuple as TupleImpl;
    const roots = this.settleAcked(t);
    if (roots === null) return;
    const acks = (this.acks ??= this.newBatcher());
    for (let i = 0; i < roots.length; i += 4)
      acks.add(roots[i]!, roots[i + 1]!, roots[i + 2]! ^ t.ackHi, roots[i + 3]! ^ t.ackLo);
    // Outside a drain (an asynchronous ack) there is no end of batch to wait for.
    if (!this.executor.batching) acks.flush();
  }

  /** Sends the acks batched during a drain. */
  flushAcks(): void {
    this.acks?.flush();
  }

  /**
   * Acks `tuple` for this bolt's statistics now, and appends what its ack sends to the ackers (quads: spout task,
   * seq, xor hi, xor lo) to `held` instead of sending it: a stateful bolt sends them when the checkpoint commits
   * ({@link sendHeldAcks}) or fails their trees when it rolls back ({@link failHeldAcks}), and the tuple itself can
   * be collected meanwhile.
   */
  ackLater(tuple: Tuple, held: QuadBuffer): void {
    const t = tuple as TupleImpl;
    const roots = this.settleAcked(t);
    if (roots === null) return;
    for (let i = 0; i < roots.length; i += 4)
      held.push(roots[i]!, roots[i + 1]!, roots[i + 2]! ^ t.ackHi, roots[i + 3]! ^ t.ackLo);
  }

  /** Marks an input acked and counts it; returns its roots when there are ackers to tell, else null. */
  private settleAcked(t: TupleImpl): number[] | null {
    if (t.settled) return null;
    t.settled = true;
    const ic = this.executor.input(t.streamKey);
    ic.acked++;
    this.executor.recordProcess(t, ic);
    return this.executor.ackers.length === 0 ? null : t.anchors;
  }

  /**
   * Sends acks held by {@link ackLater}, in messages of at most 1024 quads per acker. The messages are views of
   * `buffer`, which must not change afterwards: a commit releases a checkpoint interval's acks at once, a million quads
   * at full speed, and copying them into arrays of boxed numbers to queue them all was most of what the garbage
   * collector then had to move. An acker in another worker gets them the same way (the transport sends an acking
   * message's values as one Int32Array).
   */
  sendHeldAcks(buffer: QuadBuffer): void {
    const ackers = this.executor.ackers;
    if (buffer.length === 0 || ackers.length === 0) return;
    const held = buffer.view();
    const parts = ackers.length === 1 ? [held] : splitByAcker(held, ackers.length);
    const step = ACK_BATCH_LIMIT * 4;
    for (let a = 0; a < ackers.length; a++) {
      const part = parts[a]!;
      for (let i = 0; i < part.length; i += step) this.toAcker(ackers[a]!, part.subarray(i, i + step), ACK_ACK_STREAM);
    }
  }

  /** Fails the trees of acks held by {@link ackLater}. */
  failHeldAcks(held: QuadBuffer): void {
    if (held.length > 0) this.toAckers(held.view(), ACK_FAIL_STREAM);
  }

  private newBatcher(): AckBatcher {
    return new AckBatcher(this.executor.ackers, (acker, quads) => this.toAcker(acker, quads, ACK_ACK_STREAM));
  }

  /** Delivers one acking message (flat int32s) on `stream` to an acker task. */
  private toAcker(acker: number, values: ArrayLike<number>, stream: string): void {
    const { fields, key } = this.executor.ackStreams[stream]!;
    this.executor.hostRef.deliver(
      acker,
      new TupleImpl(values as unknown as Values, fields, this.executor.component, this.task, stream, key, null),
    );
  }

  fail(tuple: Tuple): void {
    const t = tuple as TupleImpl;
    if (t.settled) return;
    t.settled = true;
    const ic = this.executor.input(t.streamKey);
    ic.failed++;
    this.executor.recordProcess(t, ic);
    const roots = t.anchors;
    if (roots === null) return;
    this.toAckers(roots, ACK_FAIL_STREAM);
  }

  resetTimeout(tuple: Tuple): void {
    const roots = (tuple as TupleImpl).anchors;
    if (roots === null) return;
    this.toAckers(roots, ACK_RESET_TIMEOUT_STREAM);
  }

  /** Sends a fail or timeout reset for each root at once, after the acks batched before it. */
  private toAckers(roots: ArrayLike<number>, stream: string): void {
    const ackers = this.executor.ackers;
    if (ackers.length === 0) return;
    this.acks?.flush();
    for (let i = 0; i < roots.length; i += 4)
      this.toAcker(ackerFor(ackers, roots[i]!, roots[i + 1]!), [roots[i]!, roots[i + 1]!, 0, 0], stream);
  }

  reportError(error: unknown): void {
    this.executor.hostRef.reportError(this.executor.component, this.task, error);
  }
}

/** The BasicOutputCollector of a BasicBolt task: anchors every emit to the input being executed. */
class BasicCollector implements BasicOutputCollector {
  constructor(
    private readonly collector: BoltCollector,
    private readonly current: TupleImpl,
  ) {}
  emit(a: string | Values, b?: Values): readonly number[] {
    const e = this.collector.emitter;
    const anchors = [this.current];
    return b === undefined
      ? e.emitBolt(e.route(undefined), anchors, a as Values)
      : e.emitBolt(e.route(a as string), anchors, b);
  }
  emitDirect(taskId: number, a: string | Values, b?: Values): void {
    const e = this.collector.emitter;
    const anchors = [this.current];
    if (b === undefined) e.emitBolt(e.route(undefined), anchors, a as Values, taskId);
    else e.emitBolt(e.route(a as string), anchors, b, taskId);
  }
  reportError(error: unknown): void {
    this.collector.reportError(error);
  }
}

/** Splits held ack quads by the acker of each tree (index in the acker list, as {@link ackerIndex}). */
function splitByAcker(held: Int32Array, ackers: number): Int32Array[] {
  const parts = Array.from({ length: ackers }, () => new QuadBuffer());
  for (let i = 0; i < held.length; i += 4)
    parts[ackerIndex(ackers, held[i]!, held[i + 1]!)]!.push(held[i]!, held[i + 1]!, held[i + 2]!, held[i + 3]!);
  return parts.map((p) => p.view());
}
