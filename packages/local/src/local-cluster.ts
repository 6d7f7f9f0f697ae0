import {
  effectiveConfig,
  silentLogger,
  systemClock,
  validateConfig,
  type Clock,
  type Config,
  type Logger,
} from '@squall/core';
import { computeLayout, validateTopology, type Topology } from '@squall/api';
import { WorkerRuntime, type ComponentError } from '@squall/engine';
import { summarizeComponents, type ComponentSummary, type ExecutorStatsSnapshot } from '@squall/stats';
import { TopologyExistsError, TopologyNotFoundError } from './errors';

/** Options of {@link LocalCluster.create}. */
export interface LocalClusterOptions {
  /** @default a silent logger */
  logger?: Logger;
  clock?: Clock;
  /** Working directory of components (shell components run there). @default process.cwd() */
  resourcesDir?: string;
}

/** A topology running in a {@link LocalCluster}. */
export class LocalTopology {
  private previous: ExecutorStatsSnapshot[] = [];
  constructor(
    readonly name: string,
    readonly runtime: WorkerRuntime,
    readonly topology: Topology,
    private readonly clock: Clock,
    private readonly startedMs: number,
  ) {}

  /** Seconds since submit. */
  get uptimeSecs(): number {
    return (this.clock.monotonicMs() - this.startedMs) / 1000;
  }

  /**
   * Per-component totals. With `sinceLast`, capacity is measured since the previous call that passed it (for live
   * displays); otherwise over the whole run.
   */
  stats(sinceLast = false): Record<string, ComponentSummary> {
    const now = this.runtime.stats();
    const out = summarizeComponents(now, sinceLast ? this.previous : []);
    if (sinceLast) this.previous = now;
    return out;
  }

  /** Last errors reported by its components, oldest first. */
  errors(): ComponentError[] {
    return this.runtime.errors.all();
  }
}

/**
 * Storm's LocalCluster: runs topologies in this process with the same executor engine as a worker, every task
 * local. Topologies are validated at submit (every problem listed) exactly as nimbus does.
 */
export class LocalCluster {
  private readonly topologies = new Map<string, LocalTopology>();
  private readonly logger: Logger;
  private readonly clock: Clock;

  private constructor(private readonly options: LocalClusterOptions) {
    this.logger = options.logger ?? silentLogger();
    this.clock = options.clock ?? systemClock;
  }

  static async create(options: LocalClusterOptions = {}): Promise<LocalCluster> {
    return new LocalCluster(options);
  }

  /**
   * Validates and starts a topology; resolves once every task is opened/prepared and spouts are active.
   * @throws InvalidTopologyError listing every problem; TopologyExistsError for a name already running
   */
  async submitTopology(
    name: string,
    conf: Config,
    topology: Topology,
    extra: { emitTap?: (c: string, s: string, v: readonly unknown[]) => void } = {},
  ): Promise<LocalTopology> {
    if (this.topologies.has(name)) throw new TopologyExistsError(name);
    const t = topology.with({ name, conf: { ...conf, 'topology.name': name } });
    validateTopology(t);
    const fullConf = effectiveConfig(t.spec.conf);
    validateConfig(fullConf, `topology '${name}'`);
    const runtimeOpts = {
      topologyId: name,
      spec: t.spec,
      registry: t,
      layout: computeLayout(t.spec, fullConf),
      conf: fullConf,
      clock: this.clock,
      logger: this.logger,
      resourcesDir: this.options.resourcesDir ?? process.cwd(),
      ...(extra.emitTap ? { emitTap: extra.emitTap } : {}),
    };
    const runtime = await WorkerRuntime.create(runtimeOpts);
    const handle = new LocalTopology(name, runtime, t, this.clock, this.clock.monotonicMs());
    this.topologies.set(name, handle);
    runtime.start(true);
    return handle;
  }

  /** The running topology `name`. */
  getTopology(name: string): LocalTopology {
    const t = this.topologies.get(name);
    if (!t) throw new TopologyNotFoundError(name);
    return t;
  }

  /** Names of running topologies. */
  list(): string[] {
    return [...this.topologies.keys()];
  }

  /** Stops spouts, waits up to `waitSecs` for in-flight tuples, then closes every component. */
  async killTopology(name: string, waitSecs = 0): Promise<void> {
    const t = this.getTopology(name);
    this.topologies.delete(name);
    await t.runtime.shutdown(waitSecs * 1000);
  }

  activate(name: string): void {
    this.getTopology(name).runtime.activate();
  }

  deactivate(name: string): void {
    this.getTopology(name).runtime.deactivate();
  }

  /** Kills every topology. */
  async shutdown(waitSecs = 0): Promise<void> {
    for (const name of [...this.topologies.keys()]) await this.killTopology(name, waitSecs);
  }
}
