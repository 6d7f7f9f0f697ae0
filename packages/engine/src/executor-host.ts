import type { Clock, Config, Logger } from '@squall/core';
import type { ComponentRegistry } from '@squall/api';
import type { StateProvider } from '@squall/state';
import type { EngineSettings } from './engine-settings';
import type { LogLevels } from './log-levels';
import type { TapHub } from './tap-hub';
import type { TopologyModel } from './topology-model';
import type { LocalTrees } from './acking';
import type { TupleImpl } from './tuple-impl';

/** An acker running beside a spout, which folds the init of a tree into its emit (see AckerExecutor.countFoldedInit). */
export interface FoldedInitCounter {
  countFoldedInit(): void;
}

/** What an executor needs from the worker that runs it; implemented by {@link WorkerRuntime}. */
export interface ExecutorHost {
  readonly model: TopologyModel;
  readonly registry: ComponentRegistry;
  /** Topology configuration with defaults applied. */
  readonly conf: Config;
  /** What the engine reads from {@link conf}, parsed once. */
  readonly settings: EngineSettings;
  readonly clock: Clock;
  readonly log: Logger;
  readonly workerPort: number;
  readonly resourcesDir: string;
  /** Monotonic ms at the start of the current scheduler pass: a cheap clock for latencies and timeouts. */
  readonly now: number;
  /** True while any queue of this worker is over capacity or a remote peer withholds credit: spouts pause. */
  readonly backpressured: boolean;
  /** Hands a tuple to a task, local (queue) or remote (transport). */
  deliver(task: number, tuple: TupleImpl): void;
  /**
   * Hands an untracked tuple's values to a task in another worker (`isLocal(task)` false) without building a
   * TupleImpl: the transport encodes them at once.
   */
  sendRemote(task: number, sourceTask: number, stream: string, values: unknown[]): void;
  /** Whether a task runs in this worker. */
  isLocal(task: number): boolean;
  /** The tuple trees of a spout task running in this worker (undefined for any other task). */
  localTrees(task: number): LocalTrees | undefined;
  /** The acker executor of a task running in this worker (undefined for any other task). */
  localAcker(task: number): FoldedInitCounter | undefined;
  /** Makes the scheduler run soon (after an asynchronous ack, a timer, ...). */
  wake(): void;
  /** Records and logs a component error. */
  reportError(component: string, task: number, error: unknown): void;
  /** The emit-time hook: taps, Storm's debug sampling and capture listeners (see TapHub). */
  readonly taps: TapHub;
  /** Run-time log levels per component (set-log-level); task loggers register here. */
  readonly logLevels: LogLevels;
  /** The store of stateful bolts' state (`topology.state.provider`), opened on first use, one per worker. */
  stateProvider(): StateProvider;
  /** Queue pressure accounting, see TaskQueue. */
  onQueuePressure(delta: 1 | -1): void;
}
