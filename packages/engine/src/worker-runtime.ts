import { effectiveConfig, silentLogger, systemClock, type Clock, type Config, type Logger } from '@squall/core';
import {
  ACKER_COMPONENT,
  type ComponentRegistry,
  type ExecutorSpec,
  type TaskLayout,
  type TopologySpec,
} from '@squall/api';
import type { LocalTrees } from './acking';
import { AckerExecutor } from './acker-executor';
import { BoltExecutor } from './bolt-executor';
import { ErrorLog, ErrorThrottle, errorMessage, type ComponentError } from './error-log';
import { UnknownTaskError } from './errors';
import type { ExecutorBase } from './executor-base';
import type { ExecutorHost } from './executor-host';
import { engineSettings, type EngineSettings } from './engine-settings';
import { SpoutExecutor } from './spout-executor';
import { LogLevels } from './log-levels';
import { TapHub } from './tap-hub';
import type { ExecutorStatsSnapshot } from '@squall/stats';
import { TopologyModel } from './topology-model';
import type { Transport } from './transport';
import type { TupleImpl } from './tuple-impl';
import type { StateProvider } from '@squall/state';
import { createStateProvider } from './state/state-provider';

/** Bolt executors drain this many times the pass budget per pass (see the pass). */
const BOLT_BUDGET_FACTOR = 4;

/** Options of {@link WorkerRuntime.create}. */
export interface WorkerRuntimeOptions {
  topologyId: string;
  spec: TopologySpec;
  /** Makes component instances (the loaded topology module). */
  registry: ComponentRegistry;
  layout: TaskLayout;
  /** Executors this worker runs. @default all of `layout` (local mode) */
  executors?: readonly ExecutorSpec[];
  /** For tasks not run here. Required when `executors` is a subset. */
  transport?: Transport;
  /** Topology configuration (defaults are filled in). */
  conf?: Config;
  clock?: Clock;
  logger?: Logger;
  workerPort?: number;
  /** @default process.cwd() */
  resourcesDir?: string;
  /** Called for each reported component error, after it is logged and kept. */
  onError?: (e: ComponentError) => void;
  /** Host name put on errors. @default '127.0.0.1' */
  host?: string;
  /** Tuples a spout produces (and drains) per scheduler pass before others get a turn; bolts take 4x. @default 512 */
  batchBudget?: number;
  /** Called with every emit, for tests that capture output. */
  emitTap?: (component: string, stream: string, values: readonly unknown[]) => void;
}

/**
 * Runs a set of executors on this process's event loop: the engine of both local mode and a cluster worker.
 * A scheduler pass drains every executor's queue (up to a budget each), lets spouts produce, flushes the transport,
 * and reschedules itself with setImmediate while there is work, so I/O (gRPC, timers) interleaves with processing.
 */
export class WorkerRuntime implements ExecutorHost {
  readonly model: TopologyModel;
  readonly registry: ComponentRegistry;
  readonly conf: Config;
  /** What the engine reads from {@link conf}, parsed once. */
  readonly settings: EngineSettings;
  readonly clock: Clock;
  readonly log: Logger;
  readonly workerPort: number;
  readonly resourcesDir: string;
  readonly errors = new ErrorLog();
  readonly emitTap: ((component: string, stream: string, values: readonly unknown[]) => void) | undefined;
  readonly taps: TapHub;
  readonly logLevels: LogLevels;
  now = 0;

  private readonly executors: ExecutorBase[] = [];
  private readonly bolts: Array<BoltExecutor | AckerExecutor> = [];
  private readonly spouts: SpoutExecutor[] = [];
  /** Dense task id → local executor. */
  private readonly byTask: Array<ExecutorBase | undefined> = [];
  private readonly transport: Transport | undefined;
  private overfullQueues = 0;
  /** Overfull local queues plus remote peers withholding credit: spouts pause while it is above 0. */
  private pressure = 0;
  private scheduled = false;
  private running = false;
  private stopped = false;
  private sleepTimer: (() => void) | undefined;
  private housekeeping: NodeJS.Timeout | undefined;
  private readonly budget: number;
  private readonly ackerBudgetFactor: number;
  /** `topology.batch.flush.interval.millis`: the longest a partial remote batch waits while this worker is busy. */
  private readonly flushIntervalMs: number;
  private readonly onError: ((e: ComponentError) => void) | undefined;
  private afterPass: (() => void) | undefined;
  private readonly hostName: string;
  /** Storm's error throttle: a task failing on every tuple must not flood nimbus and ZooKeeper with reports. */
  private readonly errorThrottle: ErrorThrottle;
  private stateStore: StateProvider | undefined;

  private constructor(opts: WorkerRuntimeOptions) {
    this.conf = effectiveConfig(opts.conf ?? opts.spec.conf);
    this.settings = engineSettings(this.conf);
    this.errorThrottle = new ErrorThrottle(
      this.settings.errorThrottleMs,
      this.settings.maxErrorsPerInterval,
      (component, task, suppressed) =>
        this.log.warn(
          { component, task },
          `${suppressed} more error(s) of task ${task} in the last ${this.settings.errorThrottleMs / 1000}s were logged but not reported (topology.max.error.report.per.interval = ${this.settings.maxErrorsPerInterval})`,
        ),
    );
    this.model = new TopologyModel(opts.topologyId, opts.spec, opts.layout);
    this.registry = opts.registry;
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? silentLogger()).child({ topology: opts.topologyId });
    this.workerPort = opts.workerPort ?? 0;
    this.resourcesDir = opts.resourcesDir ?? process.cwd();
    this.transport = opts.transport;
    this.transport?.setListeners({ onPressure: (delta) => this.onPressure(delta), onWritable: () => this.wake() });
    this.budget = opts.batchBudget ?? 512;
    this.flushIntervalMs = this.settings.batchFlushMs;
    this.onError = opts.onError;
    this.hostName = opts.host ?? '127.0.0.1';
    this.emitTap = opts.emitTap;
    // Rate caps read the time of the current pass (set at its start): a field read, not a clock call, per tuple.
    this.taps = new TapHub(
      this.log,
      () => this.clock.wallMs(),
      () => this.now,
    );
    this.taps.setListener(opts.emitTap);
    this.logLevels = new LogLevels(this.log, () => this.clock.wallMs());
    // Storm's topology.debug: every emit logged as an event-log line (a nimbus debug call can change it later).
    if (this.conf['topology.debug'] === true) this.taps.setDebug('', { enabled: true, samplingPct: 100 });
    this.now = this.clock.monotonicMs();
    const executorSpecs = opts.executors ?? opts.layout.executors;
    // At least the bolts' share: one bolt draining BOLT_BUDGET_FACTOR slices acks that many tuples per pass.
    this.ackerBudgetFactor = Math.max(
      BOLT_BUDGET_FACTOR,
      2 * executorSpecs.filter((e) => e.component !== ACKER_COMPONENT).length,
    );
    for (const spec of executorSpecs) {
      const kind = spec.component === ACKER_COMPONENT ? 'acker' : this.model.components.get(spec.component)?.kind;
      let ex: ExecutorBase;
      if (kind === 'acker') this.bolts.push((ex = new AckerExecutor(spec, this)) as AckerExecutor);
      else if (kind === 'spout') this.spouts.push((ex = new SpoutExecutor(spec, this)) as SpoutExecutor);
      else if (kind === 'bolt') this.bolts.push((ex = new BoltExecutor(spec, this)) as BoltExecutor);
      else throw new Error(`executor ${spec.component}[${spec.startTask}-${spec.endTask}]: unknown component`);
      this.executors.push(ex);
      for (let t = spec.startTask; t <= spec.endTask; t++) this.byTask[t] = ex;
    }
  }

  /** Creates the executors and opens/prepares every task (component constructors and open/prepare run here). */
  /**
   * Installs the one hook run at the end of every scheduler pass (a cluster worker grants transfer credit there as
   * its queues drain); set by whoever serves the runtime's inbound tuples, once it exists.
   */
  setAfterPass(hook: () => void): void {
    this.afterPass = hook;
  }

  static async create(opts: WorkerRuntimeOptions): Promise<WorkerRuntime> {
    const rt = new WorkerRuntime(opts);
    for (const ex of rt.executors) await ex.start();
    return rt;
  }

  /** Starts the scheduler; spouts produce only once activated. */
  start(active = true): void {
    this.running = true;
    const timeoutMs = this.settings.messageTimeoutMs;
    // Timeouts are checked inside passes; this keeps passes coming while the worker is otherwise idle.
    this.housekeeping = setInterval(() => this.wake(), Math.min(1000, Math.max(10, timeoutMs / 10)));
    this.housekeeping.unref?.();
    if (active) this.activate();
    this.wake();
  }

  /** Activates every spout (calls `activate`, then nextTuple starts). */
  activate(): void {
    for (const s of this.spouts) s.setActive(true);
    this.wake();
  }

  /** Deactivates every spout: no more nextTuple; in-flight tuples still complete. */
  deactivate(): void {
    for (const s of this.spouts) s.setActive(false);
  }

  /** True while any local executor queue is over its capacity (the transport withholds credit from producers). */
  get queuesOverfull(): boolean {
    return this.overfullQueues > 0;
  }

  get backpressured(): boolean {
    return this.pressure > 0;
  }

  onQueuePressure(delta: 1 | -1): void {
    this.overfullQueues += delta;
    this.onPressure(delta);
  }

  private onPressure(delta: 1 | -1): void {
    this.pressure += delta;
    // Pressure can clear outside a pass (a shell bolt's child answering on its pipe, credit arriving from a peer):
    // paused spouts must not wait for the next housekeeping tick to resume.
    if (this.pressure === 0) this.wake();
  }

  isLocal(task: number): boolean {
    return this.byTask[task] !== undefined;
  }

  localTrees(task: number): LocalTrees | undefined {
    const ex = this.byTask[task];
    return ex instanceof SpoutExecutor ? ex : undefined;
  }

  stateProvider(): StateProvider {
    return (this.stateStore ??= createStateProvider(this.conf, this.log));
  }

  localAcker(task: number): AckerExecutor | undefined {
    const ex = this.byTask[task];
    return ex instanceof AckerExecutor ? ex : undefined;
  }

  deliver(task: number, tuple: TupleImpl): void {
    const ex = this.byTask[task];
    if (ex !== undefined) {
      ex.queue.push(task, tuple);
      if (!this.scheduled) this.wake();
    } else if (this.transport) {
      this.transport.send(task, tuple);
      if (!this.scheduled) this.wake();
    } else throw new UnknownTaskError(task, `delivery from ${tuple.sourceComponent}`);
  }

  sendRemote(task: number, sourceTask: number, stream: string, values: unknown[]): void {
    if (!this.transport) throw new UnknownTaskError(task, `delivery from task ${sourceTask}`);
    this.transport.sendValues(task, sourceTask, stream, null, values);
    // Sent outside a pass (a shell bolt's pipe callback, a timer): a pass must come to flush it.
    if (!this.scheduled) this.wake();
  }

  /** Accepts a tuple that arrived from another worker. */
  receive(task: number, tuple: TupleImpl): void {
    const ex = this.byTask[task];
    if (ex === undefined) throw new UnknownTaskError(task, 'remote delivery');
    ex.queue.push(task, tuple);
    if (!this.scheduled) this.wake();
  }

  wake(): void {
    if (this.scheduled || !this.running) return;
    this.scheduled = true;
    if (this.sleepTimer) {
      this.sleepTimer();
      this.sleepTimer = undefined;
    }
    setImmediate(this.pass);
  }

  private readonly pass = (): void => {
    if (!this.running) {
      this.scheduled = false;
      return;
    }
    this.now = this.clock.monotonicMs();
    let work = 0;
    const budget = this.budget;
    // The acker receives an init and an ack per tuple from every executor: a fixed share would let it fall behind.
    // Other bolts take BOLT_BUDGET_FACTOR slices: a remote batch brings 1000 tuples (topology.transfer.buffer.size)
    // at once, and draining it in one pass rather than two halves the per-pass cost (an event-loop turn, credit and
    // flush checks); a larger spout slice gained nothing and cost acking-on throughput (README, "Benchmarks").
    for (let i = 0; i < this.bolts.length; i++) {
      const b = this.bolts[i]!;
      work += b.drain(b instanceof AckerExecutor ? budget * this.ackerBudgetFactor : budget * BOLT_BUDGET_FACTOR);
    }
    // Bolts may have run for a while (a slow execute): spouts stamp emits and completions with the time after them,
    // or a tree completed in the pass that did its work would count only the time between passes.
    if (this.bolts.length > 0) this.now = this.clock.monotonicMs();
    for (let i = 0; i < this.spouts.length; i++) {
      const s = this.spouts[i]!;
      work += s.drain(budget);
      work += s.produce(budget);
    }
    // Partial batches go out when the worker runs out of work, or once they have waited flushIntervalMs while it is
    // busy. Flushing them after every busy pass would cut remote batches at the pass budget and pay the per-batch
    // cost of a gRPC write twice as often; a fixed flush period cuts them too once a batch fills in less than it.
    this.transport?.flush(work === 0 ? 0 : this.flushIntervalMs);
    this.afterPass?.();
    if (work > 0) {
      setImmediate(this.pass);
      return;
    }
    this.scheduled = false;
    let wakeAt = Infinity;
    for (const s of this.spouts) if (s.isActive && s.waitUntil > this.now) wakeAt = Math.min(wakeAt, s.waitUntil);
    if (wakeAt !== Infinity)
      this.sleepTimer = this.clock.setTimer(Math.max(0, wakeAt - this.now), () => {
        this.sleepTimer = undefined;
        this.wake();
      });
  };

  reportError(component: string, task: number, error: unknown): void {
    const message = errorMessage(error);
    this.log.error({ component, task, err: error }, `component error: ${message}`);
    if (!this.errorThrottle.admit(component, task, this.clock.monotonicMs())) return;
    const e: ComponentError = {
      component,
      task,
      timeMs: this.clock.wallMs(),
      message,
      host: this.hostName,
      port: this.workerPort,
    };
    if (error instanceof Error && error.stack) e.stack = error.stack;
    this.errors.add(e);
    this.onError?.(e);
  }

  /** Tuples queued in this worker's executors. */
  get queuedTuples(): number {
    let n = 0;
    for (const ex of this.executors) n += ex.queue.size;
    return n;
  }

  /** Largest queue length any executor reached. */
  get queueHighWater(): number {
    let n = 0;
    for (const ex of this.executors) n = Math.max(n, ex.queue.highWater);
    return n;
  }

  /** Tracked trees pending in this worker's spouts. */
  get pendingTrees(): number {
    let n = 0;
    for (const s of this.spouts) n += s.pendingCount;
    return n;
  }

  /** Inputs bolts have taken and not yet settled (async executes, a shell bolt's child). */
  get unsettledInputs(): number {
    let n = 0;
    for (const b of this.bolts) if (b instanceof BoltExecutor) n += b.unsettledInputs;
    return n;
  }

  /** Statistics of every local executor. */
  stats(): ExecutorStatsSnapshot[] {
    const now = this.clock.monotonicMs();
    return this.executors.map((ex) => ex.stats.snapshot(now));
  }

  /**
   * Stops: deactivates spouts, lets queued, in-flight and unsettled tuples drain for up to `drainMs`, then closes every
   * component. Safe to call twice.
   */
  async shutdown(drainMs = 0): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.deactivate();
    const deadline = this.clock.monotonicMs() + drainMs;
    while (
      drainMs > 0 &&
      this.running &&
      (this.queuedTuples > 0 || this.pendingTrees > 0 || this.unsettledInputs > 0) &&
      this.clock.monotonicMs() < deadline
    ) {
      this.wake();
      await new Promise((r) => setTimeout(r, 5));
    }
    this.running = false;
    // Busy passes leave partial batches younger than the flush interval for a later pass, which will not come now.
    this.transport?.flush(0);
    if (this.housekeeping) clearInterval(this.housekeeping);
    this.sleepTimer?.();
    for (const ex of this.executors) await ex.stop();
    this.transport?.flush(0); // what close/cleanup emitted
    this.logLevels.close();
    try {
      await this.stateStore?.close();
    } catch (err) {
      this.log.warn({ err }, 'closing the state store failed');
    }
  }
}
