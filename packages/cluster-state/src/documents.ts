/** A topology's lifecycle state, as in Storm. */
export type TopologyStatus = 'ACTIVE' | 'INACTIVE' | 'REBALANCING' | 'KILLED';

/** A pending rebalance, set while `status` is `REBALANCING`. */
export interface RebalanceRequest {
  /** Seconds to wait (topology deactivated) before reassigning. */
  waitSecs: number;
  /** New worker count; unchanged if absent. */
  numWorkers?: number;
  /** New executor counts per component; others unchanged. */
  componentExecutors?: Record<string, number>;
}

/** `/storms/<topologyId>`: what a topology is and what state it is in (Storm's StormBase). */
export interface StormBase {
  /** The name it was submitted under. */
  name: string;
  /** Lifecycle state. */
  status: TopologyStatus;
  /** The user that submitted it. */
  owner: string;
  /** Submission time, epoch seconds. */
  launchTimeSecs: number;
  /** Requested worker processes. */
  numWorkers: number;
  /** Executors per component id. */
  componentExecutors: Record<string, number>;
  /** sha256 of the uploaded package, hex. */
  packageDigest: string;
  /** The user's version label of the topology, if given at submit. */
  topologyVersion?: string;
  /** Seconds to wait between deactivation and removal; set while `status` is `KILLED`. */
  killWaitSecs?: number;
  /** The pending rebalance; set while `status` is `REBALANCING`. */
  rebalance?: RebalanceRequest;
  /** The status to return to after a rebalance. */
  previousStatus?: TopologyStatus;
  /**
   * Epoch ms at which a pending kill or rebalance is carried out (after its wait). Stored so that a nimbus that
   * restarts, or a standby that takes over, finishes the transition on time.
   */
  transitionAtMs?: number;
  /**
   * Storm's debug switch per component (`''` for the whole topology): while enabled, that share of emits is logged
   * as event-log lines by the workers. Set by Nimbus.SetDebug.
   */
  componentDebug?: Record<string, { enabled: boolean; samplingPct: number }>;
  /** Run-time log levels per component (or `ROOT`), Storm's log config; `expiresAtMs` reverts one. Set by Nimbus.SetLogLevel. */
  logLevels?: Record<string, { level: string; expiresAtMs?: number }>;
}

/** A contiguous range of tasks run by one executor, placed on a supervisor slot. */
export interface ExecutorAssignment {
  /** Component id the tasks belong to. */
  component: string;
  /** First task id, inclusive. */
  startTask: number;
  /** Last task id, inclusive. */
  endTask: number;
  /** Supervisor that runs the worker. */
  supervisorId: string;
  /** The worker's slot (port) on that supervisor. */
  port: number;
}

/** Resources reserved for one worker. */
export interface WorkerResources {
  /** Heap, MiB. */
  memoryMb?: number;
  /** CPU share, 100 = one core (Storm's unit). */
  cpu?: number;
}

/** One worker slot in use by a topology. */
export interface WorkerSlot {
  /** Supervisor that runs the worker. */
  supervisorId: string;
  /** That supervisor's host, so workers can reach each other without another lookup. */
  host: string;
  /** The slot's port. */
  port: number;
  /** Reserved resources, when the scheduler is resource-aware. */
  resources?: WorkerResources;
}

/** `/assignments/<topologyId>`: where every executor of a topology runs. */
export interface Assignment {
  /** Every executor with its slot. */
  executors: ExecutorAssignment[];
  /** Every worker slot the topology uses. */
  workers: WorkerSlot[];
  /** Epoch seconds each executor was (re)assigned, keyed by {@link executorKey}. */
  startTimes: Record<string, number>;
  /** sha256 of the package the workers run; set by nimbus so the signature binds it. */
  packageDigest?: string;
  /**
   * HMAC-SHA256 by nimbus over the topology id, `packageDigest` and the rest of this document, with
   * `squall.cluster.secret`; supervisors holding that secret refuse an assignment without a matching one.
   */
  signature?: string;
}

/** `/supervisors/<supervisorId>` (ephemeral): a live supervisor and its slots. */
export interface SupervisorInfo {
  /** Stable id (survives restarts of the supervisor on the same host). */
  id: string;
  /** Host name or address workers on it are reached at. */
  host: string;
  /** All slots (worker ports) it offers. */
  ports: number[];
  /** Slots currently running a worker. */
  usedPorts: number[];
  /** When the supervisor process started, epoch ms; uptime is now minus this. */
  startTimeMs: number;
  /** Squall version the supervisor runs. */
  softwareVersion: string;
}

/** `/nimbuses/<host:port>` (ephemeral): a live nimbus, leader or standby. */
export interface NimbusInfo {
  /** Host name or address its gRPC server is reached at. */
  host: string;
  /** gRPC port. */
  port: number;
  /** When the nimbus process started, epoch ms. */
  startTimeMs: number;
  /** Squall version the nimbus runs. */
  softwareVersion: string;
}

/** `/blobs/<key>/<nimbusId>` (ephemeral): a nimbus holds a copy of a package. */
export interface BlobReplica {
  /** The holding nimbus, `host:port`. */
  nimbusId: string;
  /** sha256 of the copy it holds, hex; replicas with a stale digest must not be served. */
  digest: string;
  /** Size of the copy, bytes. */
  sizeBytes?: number;
}

/** One entry of `/errors/<topologyId>/<component>`: an error a task reported. */
export interface ComponentError {
  /** When it happened, epoch seconds. */
  timeSecs: number;
  /** Error text (truncated by the store to keep nodes small). */
  message: string;
  /** Host of the reporting worker. */
  host: string;
  /** Port of the reporting worker. */
  port: number;
  /** Task id that reported it. */
  task: number;
}

/** A value read from ZooKeeper with the node's stat version, to pass back to a compare-and-set write. */
export interface Versioned<T> {
  /** The decoded document. */
  readonly value: T;
  /** ZooKeeper's data version of the node when read. */
  readonly version: number;
}

/**
 * The precondition of a write: a stat version from a read (compare-and-set), `'absent'` (create; the node must not
 * exist) or `'any'` (unconditional: create or overwrite).
 */
export type ExpectedVersion = number | 'absent' | 'any';

/** The key of an executor in {@link Assignment.startTimes}, Storm-style `[start end]` as `start-end`. */
export function executorKey(executor: Pick<ExecutorAssignment, 'startTask' | 'endTask'>): string {
  return `${executor.startTask}-${executor.endTask}`;
}
