import { mergeConfig, type Config } from '@squall/core';
import { engineSettings, type EngineSettings } from './engine-settings';
import type { ExecutorSpec } from '@squall/api';
import type { ExecutorHost } from './executor-host';
import { ExecutorStats } from '@squall/stats';
import { buildRoutes } from './stream-route';
import { TaskContext } from './task-context';
import { TaskEmitter } from './emitter';
import { TaskQueue } from './task-queue';
import type { TupleImpl } from './tuple-impl';

/** What every executor kind shares: its queue, stats, per-task contexts and emitters. */
export abstract class ExecutorBase {
  readonly queue: TaskQueue<TupleImpl>;
  readonly stats: ExecutorStats;
  readonly component: string;
  readonly startTask: number;
  readonly endTask: number;
  /** Topology conf merged with this component's conf. */
  readonly conf: Config;
  /** What the engine reads from {@link conf}, parsed once. */
  readonly settings: EngineSettings;

  constructor(
    readonly spec: ExecutorSpec,
    protected readonly host: ExecutorHost,
    kind: 'spout' | 'bolt' | 'acker',
  ) {
    this.component = spec.component;
    this.startTask = spec.startTask;
    this.endTask = spec.endTask;
    this.conf = mergeConfig(host.conf, host.model.components.get(spec.component)?.conf);
    this.settings = engineSettings(this.conf);
    const capacity = this.settings.receiveBufferSize;
    this.queue = new TaskQueue<TupleImpl>(capacity, (d) => host.onQueuePressure(d));
    this.stats = new ExecutorStats(spec.component, spec.startTask, spec.endTask, kind, host.clock.monotonicMs());
  }

  /** Task ids of this executor. */
  get tasks(): number[] {
    const out: number[] = [];
    for (let t = this.startTask; t <= this.endTask; t++) out.push(t);
    return out;
  }

  protected makeContext(task: number): TaskContext {
    const log = this.host.log.child({ component: this.component, task });
    this.host.logLevels.register(this.component, log);
    return new TaskContext(
      this.host.model,
      this.component,
      task,
      this.conf,
      this.host.workerPort,
      this.host.resourcesDir,
      log,
      (d) => this.host.onQueuePressure(d),
    );
  }

  protected makeEmitter(task: number, context: TaskContext): TaskEmitter {
    const routes = buildRoutes({
      model: this.host.model,
      component: this.component,
      context,
      counters: (s) => this.stats.output(s),
      isLocal: (t) => this.host.isLocal(t),
      makeCustom: (name) => this.host.registry.createCustomGrouping(name),
    });
    return new TaskEmitter(this.host, this.component, task, routes);
  }

  /** Opens or prepares every task; called once before the first pass. */
  abstract start(): Promise<void>;
  /** Processes up to `budget` queued messages; returns how many. */
  abstract drain(budget: number): number;
  /** Closes or cleans up every task. */
  abstract stop(): Promise<void>;
}

/** Awaits `value` when it is a promise. */
export async function settle(value: unknown): Promise<void> {
  if (value && typeof (value as Promise<void>).then === 'function') await value;
}
