import {
  ASYNC_SPOUT,
  ATTACH,
  CHECKPOINT_SPOUT_ID,
  CHECKPOINT_STREAM_ID,
  EmitError,
  isReplayableSpout,
  type Tuple,
  type AsyncSpoutHooks,
  type ExecutorSpec,
  type Fields,
  type SpoutLike,
  type SpoutOutputCollector,
  type Values,
} from '@squall/api';
import {
  ACK_ACK_STREAM,
  ACK_FAIL_STREAM,
  ACK_INIT_STREAM,
  ACK_RESET_TIMEOUT_STREAM,
  AckBatcher,
  ackerFor,
  ackerIndex,
  type LocalTrees,
} from './acking';
import { ExecutorBase, settle } from './executor-base';
import type { ExecutorHost, FoldedInitCounter } from './executor-host';
import type { TaskEmitter } from './emitter';
import type { StreamRoute } from './stream-route';
import { PendingTrees } from './pending-trees';
import { TupleImpl } from './tuple-impl';
import { CheckpointSpout, stateNamespace } from './state/checkpoint-spout';
import { ReplayController, type CheckpointInputs } from './state/replay-controller';

/** One spout task. */
interface SpoutTask {
  task: number;
  spout: SpoutLike;
  emitter: TaskEmitter;
  /** seq → pending tree, in emit order (so the oldest are first: timeouts scan from the front). */
  pending: PendingTrees;
  /** Message ids to ack at once (acking disabled, or a tracked emit nobody subscribes to). */
  immediateAcks: Array<{ messageId: unknown; stream: string }>;
  nextSeq: number;
  /** The spout's hooks when its emits arrive asynchronously (see ASYNC_SPOUT). */
  async: AsyncSpoutHooks | undefined;
  /** Inits of new trees, sent to the ackers at the end of produce or drain (or at once, outside them). */
  inits: AckBatcher;
  /** Set under exactly-once state: checkpoints pass through the spout and its position is saved with them. */
  replay: ReplayController | undefined;
}

/** Largest sequence number before wrapping; keeps keys small integers (fast map keys). */
const SEQ_LIMIT = 0x3fffffff;

/**
 * Runs the tasks of one spout executor: calls nextTuple while allowed (active, under max pending, no backpressure),
 * backs off with Storm's progressive wait strategy when nothing is emitted, handles completions and timeouts.
 */
export class SpoutExecutor extends ExecutorBase implements LocalTrees {
  private readonly taskStates: SpoutTask[] = [];
  private active = false;
  private emptyStreak = 0;
  /** Monotonic ms before which nextTuple is not called (level 3 of the wait strategy). */
  waitUntil = 0;
  private nextTimeoutCheck = 0;
  private readonly timeoutMs: number;
  private readonly maxPending: number;
  /**
   * Whether `topology.max.spout.pending` is set. Map#size is a builtin call; most spouts run without a limit, so
   * produce skips it then (it was the largest single cost of that loop on an untracked spout).
   */
  private readonly pendingLimited: boolean;
  private readonly level1: number;
  private readonly level2: number;
  private readonly sleepMs: number;
  /** `topology.backpressure.wait.progressive.level3.sleep.millis`: least time a pause by backpressure lasts. */
  private readonly backpressureSleepMs: number;
  /** Whether the last produce found the worker backpressured (a new pause starts its least sleep). */
  private pausedByPressure = false;
  private readonly xor = { hi: 0, lo: 0 };
  private readonly ackers: readonly number[];
  private readonly initStream: { fields: Fields; key: string };
  /** Set once a task's sequence wrapped: only then can a new seq collide with a pending one. */
  private wrapped = false;
  /** True inside produce and drain, whose end sends the batched inits. */
  private inPass = false;
  /** A run of equal complete latencies not yet in the histogram (flushed with the inits, at the end of each pass). */
  private latencyMs = -1;
  private latencyRun = 0;
  /** Per acker index: whether that acker runs in this worker (its trees are then kept here, without an init). */
  private ackerLocal: Array<FoldedInitCounter | undefined> = [];

  constructor(spec: ExecutorSpec, host: ExecutorHost) {
    super(spec, host, 'spout');
    const settings = this.settings;
    this.timeoutMs = settings.messageTimeoutMs;
    this.maxPending = settings.maxSpoutPending;
    this.pendingLimited = this.maxPending !== Infinity;
    this.level1 = settings.spoutWait.level1Count;
    this.level2 = settings.spoutWait.level2Count;
    this.sleepMs = settings.spoutWait.sleepMs;
    this.backpressureSleepMs = settings.backpressureSleepMs;
    this.ackers = host.model.ackerTasks;
    this.initStream = host.model.systemStream(this.component, ACK_INIT_STREAM);
  }

  /** Tracked trees of all tasks not yet completed. */
  get pendingCount(): number {
    let n = 0;
    for (const s of this.taskStates) n += s.pending.size;
    return n;
  }

  async start(): Promise<void> {
    this.ackerLocal = this.ackers.map((t) => this.host.localAcker(t));
    for (const task of this.tasks) {
      const host = this.host;
      const spout =
        this.component === CHECKPOINT_SPOUT_ID
          ? new CheckpointSpout(
              host.model.spec.name,
              () => host.stateProvider(),
              host.clock,
              this.settings.checkpointIntervalMs,
              host.model.exactlyOnce,
            )
          : (host.registry.createComponent(this.component) as SpoutLike);
      const context = this.makeContext(task);
      const emitter = this.makeEmitter(task, context);
      const init = this.initStream;
      const inits = new AckBatcher(this.ackers, (acker, quads) =>
        this.host.deliver(
          acker,
          new TupleImpl(quads, init.fields, this.component, task, ACK_INIT_STREAM, init.key, null),
        ),
      );
      const hooks = (spout as unknown as Record<symbol, AsyncSpoutHooks | undefined>)[ASYNC_SPOUT];
      if (hooks !== undefined) hooks.wake = () => this.host.wake();
      const state: SpoutTask = {
        task,
        spout,
        emitter,
        pending: new PendingTrees(),
        immediateAcks: [],
        nextSeq: 0,
        inits,
        async: hooks,
        replay: undefined,
      };
      if (host.model.exactlyOnce && this.component !== CHECKPOINT_SPOUT_ID) {
        if (!isReplayableSpout(spout))
          throw new Error(
            `spout '${this.component}' does not implement snapshot() and restore(): exactly-once state needs a ReplayableSpout`,
          );
        state.replay = new ReplayController(
          spout,
          new SpoutCheckpointInputs(this, state),
          () => host.stateProvider().open(stateNamespace(host.model.spec.name, context)),
          context.log,
        );
      }
      const collector = new SpoutCollector(this, state);
      const attach = (spout as unknown as Record<symbol, unknown>)[ATTACH];
      if (typeof attach === 'function') attach.call(spout, this.conf, context, collector);
      await settle(spout.open?.(this.conf, context, collector));
      this.taskStates.push(state);
    }
  }

  /**
   * Activates (or deactivates) every task; Storm calls activate before the first nextTuple. The checkpoint spout stays
   * active once activated: a deactivated (or draining) topology's stateful bolts hold acks of inputs already taken,
   * which only a commit releases; stopping checkpoints would leave them to time out and be replayed.
   */
  setActive(active: boolean): void {
    if (active === this.active) return;
    if (!active && this.component === CHECKPOINT_SPOUT_ID) return;
    this.active = active;
    for (const s of this.taskStates) this.guard(s, () => (active ? s.spout.activate?.() : s.spout.deactivate?.()));
    this.emptyStreak = 0;
    this.waitUntil = 0;
  }

  get isActive(): boolean {
    return this.active;
  }

  private guard(s: SpoutTask, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.host.reportError(this.component, s.task, err);
    }
  }

  /** @internal Records a tracked emit. */
  track(
    state: SpoutTask,
    route: StreamRoute,
    values: Values,
    messageId: unknown,
    directTask: number,
  ): readonly number[] {
    const ackers = this.ackers;
    if (ackers.length === 0) {
      const tasks = state.emitter.emitSpout(route, values, -1, directTask, this.xor, messageId);
      state.immediateAcks.push({ messageId, stream: route.stream });
      return tasks;
    }
    let seq = state.nextSeq;
    if (this.wrapped) while (state.pending.has(seq)) seq = seq === SEQ_LIMIT ? 0 : seq + 1;
    if (seq === SEQ_LIMIT) this.wrapped = true;
    state.nextSeq = seq === SEQ_LIMIT ? 0 : seq + 1;
    const tasks = state.emitter.emitSpout(route, values, seq, directTask, this.xor, messageId);
    if (this.xor.hi === 0 && this.xor.lo === 0) {
      state.immediateAcks.push({ messageId, stream: route.stream });
      return tasks;
    }
    const localAcker = this.ackerLocal[ackerIndex(ackers.length, state.task, seq)];
    if (localAcker !== undefined) {
      // The init folded into the emit: the local acker XORs acks into this tree's record.
      localAcker.countFoldedInit();
      state.pending.add(seq, messageId, route.stream, this.host.now, this.xor.hi, this.xor.lo);
      return tasks;
    }
    state.pending.add(seq, messageId, route.stream, this.host.now, 0, 0);
    state.inits.add(state.task, seq, this.xor.hi, this.xor.lo);
    // Emits outside produce and drain (a shell spout's pipe callback, a timer) have no end of batch to wait for.
    if (!this.inPass) state.inits.flush();
    return tasks;
  }

  drain(budget: number): number {
    let n = 0;
    const now = this.host.now;
    this.inPass = true;
    for (const s of this.taskStates) {
      if (s.immediateAcks.length > 0) {
        const acks = s.immediateAcks.splice(0);
        // Nothing was anchored: the tree is complete as it is emitted.
        for (const a of acks) this.completed(s, a.messageId, a.stream, 0, true);
        n += acks.length;
      }
    }
    const q = this.queue;
    while (n < budget && q.size > 0) {
      const task = q.peekTask();
      const t = q.shift();
      const s = this.taskStates[task - this.startTask]!;
      const stream = t.sourceStreamId;
      if (stream === CHECKPOINT_STREAM_ID) {
        n++;
        if (s.replay !== undefined) s.replay.receive(t);
        continue;
      }
      const seqs = t.values as number[];
      n += seqs.length;
      for (let i = 0; i < seqs.length; i++) {
        const seq = seqs[i]!;
        if (stream === ACK_RESET_TIMEOUT_STREAM) {
          this.resetTree(task, seq);
          continue;
        }
        if (!s.pending.take(seq)) continue; // already timed out
        this.finish(s, stream === ACK_ACK_STREAM);
      }
    }
    if (now >= this.nextTimeoutCheck && this.timeoutMs !== Infinity) {
      this.nextTimeoutCheck = now + Math.min(1000, Math.max(10, this.timeoutMs / 10));
      n += this.expire(now);
    }
    this.flushInits();
    this.inPass = false;
    return n;
  }

  ackTree(task: number, seq: number, hi: number, lo: number): boolean {
    const s = this.taskStates[task - this.startTask];
    if (s === undefined || s.pending.xor(seq, hi, lo) !== 1) return false;
    this.finish(s, true);
    return true;
  }

  failTree(task: number, seq: number): boolean {
    const s = this.taskStates[task - this.startTask];
    if (s === undefined || !s.pending.take(seq)) return false;
    this.finish(s, false);
    return true;
  }

  resetTree(task: number, seq: number): boolean {
    const s = this.taskStates[task - this.startTask];
    return s !== undefined && s.pending.reset(seq, this.host.now);
  }

  /** Completes the tree just removed from `s.pending` (its fields are still there). */
  private finish(s: SpoutTask, acked: boolean): void {
    const p = s.pending;
    const messageId = p.messageId;
    p.messageId = undefined;
    this.completed(s, messageId, p.stream, this.host.now - p.startMs, acked);
  }

  private flushLatency(): void {
    if (this.latencyRun === 0) return;
    this.stats.complete.record(this.latencyMs, this.latencyRun);
    this.latencyRun = 0;
  }

  private flushInits(): void {
    for (let i = 0; i < this.taskStates.length; i++) this.taskStates[i]!.inits.flush();
    this.flushLatency();
  }

  private completed(s: SpoutTask, messageId: unknown, stream: string, latencyMs: number, acked: boolean): void {
    const c = this.stats.completion(stream);
    // Inline try/catch rather than guard(): a closure per completed tree is measurable at a million a second.
    try {
      if (acked) {
        c.acked++;
        c.completeMs += latencyMs;
        // Trees started in one pass and completed in one pass have the same latency (both ends are pass clocks):
        // runs of equal values go into the histogram as one weighted sample (its log2 was 9% of acking's CPU).
        if (latencyMs === this.latencyMs) this.latencyRun++;
        else {
          this.flushLatency();
          this.latencyMs = latencyMs;
          this.latencyRun = 1;
        }
        if (s.replay !== undefined) s.replay.completed(messageId, true);
        else s.spout.ack?.(messageId);
      } else {
        c.failed++;
        if (s.replay !== undefined) s.replay.completed(messageId, false);
        else s.spout.fail?.(messageId);
      }
    } catch (err) {
      this.host.reportError(this.component, s.task, err);
    }
  }

  private expire(now: number): number {
    let n = 0;
    for (const s of this.taskStates) {
      n += s.pending.expire(now, this.timeoutMs, (messageId, stream) => this.completed(s, messageId, stream, 0, false));
    }
    return n;
  }

  /**
   * Calls nextTuple up to `budget` times per task. Returns the work done; a spout in the "yield" level of the wait
   * strategy counts as 1 so the scheduler comes back soon; in the "sleep" level it sets {@link waitUntil}.
   */
  produce(budget: number): number {
    if (!this.active) return 0;
    const now = this.host.now;
    if (this.host.backpressured) {
      // Paused until the pressure clears (the runtime wakes every spout then), and for at least the backpressure sleep.
      if (!this.pausedByPressure) this.waitUntil = Math.max(this.waitUntil, now + this.backpressureSleepMs);
      this.pausedByPressure = true;
      return 0;
    }
    this.pausedByPressure = false;
    if (now < this.waitUntil) return 0;
    let work = 0;
    const t0 = this.host.clock.monotonicMs();
    this.inPass = true;
    for (const s of this.taskStates) {
      // Exactly-once state: a spout emits only between INITSTATE and a rollback (the controller wakes the executor).
      if (s.replay !== undefined && !s.replay.running) continue;
      for (let i = 0; i < budget; i++) {
        if (this.pendingLimited && s.pending.size >= this.maxPending) break;
        const before = s.emitter.emits;
        try {
          s.spout.nextTuple();
        } catch (err) {
          this.host.reportError(this.component, s.task, err);
        }
        if (s.emitter.emits !== before) {
          this.emptyStreak = 0;
          work += s.emitter.emits - before;
          if (this.host.backpressured) break;
          continue;
        }
        // Its answer is on the way: the spout wakes the scheduler when it arrives.
        if (s.async !== undefined && s.async.waiting) break;
        this.emptyStreak++;
        if (this.emptyStreak <= this.level1) continue;
        if (this.emptyStreak <= this.level1 + this.level2) work++;
        else this.waitUntil = now + this.sleepMs;
        break;
      }
    }
    this.flushInits();
    this.inPass = false;
    this.stats.busyMs += this.host.clock.monotonicMs() - t0;
    return work;
  }

  async stop(): Promise<void> {
    this.setActive(false);
    for (const s of this.taskStates) {
      try {
        await settle(s.spout.close?.());
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

/** The SpoutOutputCollector of one spout task. */
class SpoutCollector implements SpoutOutputCollector {
  constructor(
    private readonly executor: SpoutExecutor,
    private readonly state: SpoutTask,
  ) {}

  emit(a: string | Values, b?: Values | unknown, c?: unknown): readonly number[] {
    const e = this.state.emitter;
    let route: StreamRoute;
    let values: Values;
    let messageId: unknown;
    if (typeof a === 'string') {
      route = e.route(a);
      values = b as Values;
      messageId = c;
    } else {
      route = e.route(undefined);
      values = a;
      messageId = b;
    }
    const replay = this.state.replay;
    if (replay !== undefined) return this.executor.track(this.state, route, values, replay.emitted(), -1);
    if (messageId === undefined || messageId === null) return e.emitSpout(route, values, -1, -1, NO_XOR);
    return this.executor.track(this.state, route, values, messageId, -1);
  }

  emitDirect(taskId: number, a: string | Values, b?: Values | unknown, c?: unknown): void {
    if (typeof taskId !== 'number') throw new EmitError('emitDirect needs a task id as its first argument');
    const e = this.state.emitter;
    const [route, values, messageId] =
      typeof a === 'string' ? [e.route(a), b as Values, c] : [e.route(undefined), a, b];
    const replay = this.state.replay;
    if (replay !== undefined) this.executor.track(this.state, route, values, replay.emitted(), taskId);
    else if (messageId === undefined || messageId === null) e.emitSpout(route, values, -1, taskId, NO_XOR);
    else this.executor.track(this.state, route, values, messageId, taskId);
  }

  reportError(error: unknown): void {
    this.executor.hostRef.reportError(this.executor.component, this.state.task, error);
  }

  getPendingCount(): number {
    return this.state.pending.size;
  }
}

const NO_XOR = { hi: 0, lo: 0 };

/**
 * Acks, fails and forwards the checkpoint tuples a spout task receives under exactly-once state, as a bolt does its
 * inputs: the forwarded checkpoint is anchored to the one received, so the checkpoint's tree spans every task.
 */
class SpoutCheckpointInputs implements CheckpointInputs {
  private readonly acks: AckBatcher;

  constructor(
    private readonly executor: SpoutExecutor,
    private readonly state: SpoutTask,
  ) {
    const host = executor.hostRef;
    const { fields, key } = host.model.systemStream(executor.component, ACK_ACK_STREAM);
    this.acks = new AckBatcher(host.model.ackerTasks, (acker, quads) =>
      host.deliver(acker, new TupleImpl(quads, fields, executor.component, state.task, ACK_ACK_STREAM, key, null)),
    );
  }

  forward(input: Tuple): void {
    const e = this.state.emitter;
    e.emitBolt(e.route(CHECKPOINT_STREAM_ID), [input as TupleImpl], [...input.values]);
  }

  ack(input: Tuple): void {
    const t = input as TupleImpl;
    if (t.settled) return;
    t.settled = true;
    const roots = t.anchors;
    if (roots === null) return;
    for (let i = 0; i < roots.length; i += 4)
      this.acks.add(roots[i]!, roots[i + 1]!, roots[i + 2]! ^ t.ackHi, roots[i + 3]! ^ t.ackLo);
    this.acks.flush();
  }

  fail(input: Tuple): void {
    const t = input as TupleImpl;
    if (t.settled) return;
    t.settled = true;
    const roots = t.anchors;
    const host = this.executor.hostRef;
    const ackers = host.model.ackerTasks;
    if (roots === null || ackers.length === 0) return;
    const { fields, key } = host.model.systemStream(this.executor.component, ACK_FAIL_STREAM);
    for (let i = 0; i < roots.length; i += 4)
      host.deliver(
        ackerFor(ackers, roots[i]!, roots[i + 1]!),
        new TupleImpl(
          [roots[i]!, roots[i + 1]!, 0, 0],
          fields,
          this.executor.component,
          this.state.task,
          ACK_FAIL_STREAM,
          key,
          null,
        ),
      );
  }

  reportError(err: unknown): void {
    this.executor.hostRef.reportError(this.executor.component, this.state.task, err);
  }

  wake(): void {
    this.executor.hostRef.wake();
  }
}
