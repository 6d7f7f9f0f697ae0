import { ATTACH, EmitError, type ExecutorSpec, type Fields, type SpoutLike, type SpoutOutputCollector, type Values } from '@squall/api';
import { ACK_ACK_STREAM, ACK_INIT_STREAM, ACK_RESET_TIMEOUT_STREAM, ackerFor } from './acking';
import { ExecutorBase, settle } from './executor-base';
import type { ExecutorHost } from './executor-host';
import type { TaskEmitter } from './emitter';
import type { StreamRoute } from './stream-route';
import { TupleImpl } from './tuple-impl';

/** A tracked tuple tree awaiting completion. */
interface Pending {
  messageId: unknown;
  startMs: number;
  stream: string;
}

/** One spout task. */
interface SpoutTask {
  task: number;
  spout: SpoutLike;
  emitter: TaskEmitter;
  /** seq → pending tree, in emit order (so the oldest are first: timeouts scan from the front). */
  pending: Map<number, Pending>;
  /** Message ids to ack at once (acking disabled, or a tracked emit nobody subscribes to). */
  immediateAcks: Array<{ messageId: unknown; stream: string }>;
  nextSeq: number;
}

/** Largest sequence number before wrapping; keeps keys small integers (fast map keys). */
const SEQ_LIMIT = 0x3fffffff;

/**
 * Runs the tasks of one spout executor: calls nextTuple while allowed (active, under max pending, no backpressure),
 * backs off with Storm's progressive wait strategy when nothing is emitted, handles completions and timeouts.
 */
export class SpoutExecutor extends ExecutorBase {
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
  /** Recycled pending records (see AckerExecutor). */
  private readonly free: Pending[] = [];
  /** Set once a task's sequence wrapped: only then can a new seq collide with a pending one. */
  private wrapped = false;

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
    for (const task of this.tasks) {
      const spout = this.host.registry.createComponent(this.component) as SpoutLike;
      const context = this.makeContext(task);
      const emitter = this.makeEmitter(task, context);
      const state: SpoutTask = { task, spout, emitter, pending: new Map(), immediateAcks: [], nextSeq: 0 };
      const collector = new SpoutCollector(this, state);
      const attach = (spout as unknown as Record<symbol, unknown>)[ATTACH];
      if (typeof attach === 'function') attach.call(spout, this.conf, context, collector);
      await settle(spout.open?.(this.conf, context, collector));
      this.taskStates.push(state);
    }
  }

  /** Activates (or deactivates) every task; Storm calls activate before the first nextTuple. */
  setActive(active: boolean): void {
    if (active === this.active) return;
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
  track(state: SpoutTask, route: StreamRoute, values: Values, messageId: unknown, directTask: number): readonly number[] {
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
    const p = this.free.pop() ?? { messageId: undefined, startMs: 0, stream: '' };
    p.messageId = messageId;
    p.startMs = this.host.now;
    p.stream = route.stream;
    state.pending.set(seq, p);
    const init = this.initStream;
    this.host.deliver(
      ackerFor(ackers, state.task, seq),
      new TupleImpl([state.task, seq, this.xor.hi, this.xor.lo], init.fields, this.component, state.task, ACK_INIT_STREAM, init.key, null),
    );
    return tasks;
  }

  drain(budget: number): number {
    let n = 0;
    const now = this.host.now;
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
      n++;
      const s = this.taskStates[task - this.startTask]!;
      const seq = t.values[0] as number;
      const p = s.pending.get(seq);
      if (!p) continue; // already timed out
      s.pending.delete(seq);
      if (t.sourceStreamId === ACK_RESET_TIMEOUT_STREAM) {
        p.startMs = now;
        s.pending.set(seq, p);
        continue;
      }
      this.completed(s, p.messageId, p.stream, now - p.startMs, t.sourceStreamId === ACK_ACK_STREAM);
      p.messageId = undefined;
      if (this.free.length < 4096) this.free.push(p);
    }
    if (now >= this.nextTimeoutCheck && this.timeoutMs !== Infinity) {
      this.nextTimeoutCheck = now + Math.min(1000, Math.max(10, this.timeoutMs / 10));
      n += this.expire(now);
    }
    return n;
  }

  private completed(s: SpoutTask, messageId: unknown, stream: string, latencyMs: number, acked: boolean): void {
    const c = this.stats.completion(stream);
    if (acked) {
      c.acked++;
      c.completeMs += latencyMs;
      this.stats.complete.record(latencyMs);
      this.guard(s, () => s.spout.ack?.(messageId));
    } else {
      c.failed++;
      this.guard(s, () => s.spout.fail?.(messageId));
    }
  }

  private expire(now: number): number {
    let n = 0;
    for (const s of this.taskStates) {
      for (const [seq, p] of s.pending) {
        if (now - p.startMs < this.timeoutMs) break;
        s.pending.delete(seq);
        this.completed(s, p.messageId, p.stream, 0, false);
        n++;
      }
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
    for (const s of this.taskStates) {
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
        this.emptyStreak++;
        if (this.emptyStreak <= this.level1) continue;
        if (this.emptyStreak <= this.level1 + this.level2) work++;
        else this.waitUntil = now + this.sleepMs;
        break;
      }
    }
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
    if (messageId === undefined || messageId === null) return e.emitSpout(route, values, -1, -1, NO_XOR);
    return this.executor.track(this.state, route, values, messageId, -1);
  }

  emitDirect(taskId: number, a: string | Values, b?: Values | unknown, c?: unknown): void {
    if (typeof taskId !== 'number') throw new EmitError('emitDirect needs a task id as its first argument');
    const e = this.state.emitter;
    const [route, values, messageId] = typeof a === 'string' ? [e.route(a), b as Values, c] : [e.route(undefined), a, b];
    if (messageId === undefined || messageId === null) e.emitSpout(route, values, -1, taskId, NO_XOR);
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
