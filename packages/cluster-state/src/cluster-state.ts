import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { ClusterStateAuth } from './acl';
import type { RetryOptions } from './backoff';
import type { SnapshotListener, Subscription } from './directory-watch';
import type {
  Assignment,
  BlobReplica,
  ComponentError,
  ExpectedVersion,
  NimbusInfo,
  StormBase,
  SupervisorInfo,
  Versioned,
} from './documents';
import type { LeaderCandidate } from './leader-election';

/**
 * Connection events, in order:
 * - a brief outage: `disconnected` → `connected` → `reconnected {newSession: false}` (ZooKeeper kept the watches and
 *   ephemeral nodes; watches are re-read anyway in case an event was missed);
 * - a session expiry: (`disconnected` →) `expired` → `connected` → `reconnected {newSession: true}`, emitted once
 *   this instance's ephemeral nodes, leader candidacies and watches are restored and listeners have fresh snapshots.
 * The first connection emits nothing: `create()` resolving means connected.
 */
export interface ClusterStateEvents {
  /** The connection dropped; operations wait (up to `operationTimeoutMs`) for it to return. */
  disconnected: [];
  /** A connection is up again (the same session, or a new one whose restoration has begun). */
  connected: [];
  /** The session ended: ZooKeeper has deleted this instance's ephemeral nodes; a new session is being opened. */
  expired: [];
  /** The state is consistent again after a reconnection; `newSession` tells whether it followed an expiry. */
  reconnected: [{ newSession: boolean }];
}

/**
 * Squall's view of cluster coordination data; the only interface through which daemons touch ZooKeeper. Reads return
 * the node's stat version; every write that depends on a read takes it back as {@link ExpectedVersion} and throws
 * {@link VersionConflictError} if the node changed meanwhile. Ids are arbitrary non-empty strings.
 */
export interface ClusterState extends EventEmitter<ClusterStateEvents> {
  /** A topology's base, or `null` if there is none. */
  getStorm(topologyId: string): Promise<Versioned<StormBase> | null>;
  /** Ids of all topologies with a base, sorted. */
  listStormIds(): Promise<string[]>;
  /** Writes a topology's base under `expected` (use `'absent'` at submit); resolves with the new version. */
  putStorm(topologyId: string, base: StormBase, expected: ExpectedVersion): Promise<number>;
  /** Delivers all topology bases now and after every change. */
  watchStorms(listener: SnapshotListener<StormBase>): Subscription;

  /** A topology's assignment, or `null` if it has none. */
  getAssignment(topologyId: string): Promise<Versioned<Assignment> | null>;
  /** Ids of all topologies with an assignment, sorted. */
  listAssignmentIds(): Promise<string[]>;
  /** Writes a topology's assignment under `expected`; resolves with the new version. */
  putAssignment(topologyId: string, assignment: Assignment, expected: ExpectedVersion): Promise<number>;
  /** Deletes an assignment; `false` if there was none (with `'any'`). A version mismatch throws a conflict. */
  removeAssignment(topologyId: string, expected?: number | 'any'): Promise<boolean>;
  /** Delivers all assignments now and after every change; supervisors act on this. */
  watchAssignments(listener: SnapshotListener<Assignment>): Subscription;

  /** Deletes everything about a topology: assignment, base and error log. Idempotent. */
  removeTopology(topologyId: string): Promise<void>;

  /**
   * Registers (ephemeral) or updates this process's supervisor entry; kept registered across session expiry. An
   * entry left by an older session of the same id is replaced.
   */
  registerSupervisor(info: SupervisorInfo): Promise<void>;
  /** Deletes this supervisor's entry; `false` if it was already gone. */
  unregisterSupervisor(supervisorId: string): Promise<boolean>;
  /** A supervisor's entry, or `null` if it is not alive. */
  getSupervisor(supervisorId: string): Promise<Versioned<SupervisorInfo> | null>;
  /** Ids of live supervisors, sorted. */
  listSupervisorIds(): Promise<string[]>;
  /** Delivers all live supervisors now and after every change (join, leave, slot use). */
  watchSupervisors(listener: SnapshotListener<SupervisorInfo>): Subscription;

  /** Registers (ephemeral) or updates this process's nimbus entry under `host:port`; kept across session expiry. */
  registerNimbus(info: NimbusInfo): Promise<void>;
  /** Deletes a nimbus entry; `false` if it was already gone. */
  unregisterNimbus(address: string): Promise<boolean>;
  /** All live nimbuses, sorted by address. */
  listNimbuses(): Promise<NimbusInfo[]>;
  /** Delivers all live nimbuses, keyed by `host:port`, now and after every change. */
  watchNimbuses(listener: SnapshotListener<NimbusInfo>): Subscription;
  /** Enters leader election as `address` (`host:port`) and resolves once the first outcome is known. */
  joinLeaderElection(address: string): Promise<LeaderCandidate>;
  /** The current leader's address, or `null` if no nimbus is a candidate. */
  getLeader(): Promise<string | null>;

  /** Records (ephemeral) that nimbus `replica.nimbusId` holds blob `key`; kept across session expiry. */
  advertiseBlob(key: string, replica: BlobReplica): Promise<void>;
  /** Withdraws a replica record; `false` if it was already gone. */
  withdrawBlob(key: string, nimbusId: string): Promise<boolean>;
  /** Live replicas of a blob, sorted by nimbus id. */
  getBlobReplicas(key: string): Promise<BlobReplica[]>;
  /** Keys of all blobs that have (or had) replicas, sorted. */
  listBlobKeys(): Promise<string[]>;
  /** Deletes a blob's records, including other nimbuses' replicas. Idempotent. */
  removeBlob(key: string): Promise<void>;

  /** Appends an error to a component's log, keeping the newest `maxErrorsPerComponent`. */
  reportError(topologyId: string, component: string, error: ComponentError): Promise<void>;
  /** A component's recent errors, oldest first. */
  getErrors(topologyId: string, component: string): Promise<ComponentError[]>;
  /** Recent errors of every component of a topology. */
  getTopologyErrors(topologyId: string): Promise<Record<string, ComponentError[]>>;

  /** Whether a connection to ZooKeeper is up right now. */
  isConnected(): boolean;
  /**
   * Closes the session: ephemeral entries and candidacies disappear at once, watches stop, waiting operations fail
   * with {@link ClusterStateClosedError}. Safe to call twice.
   */
  shutdown(): Promise<void>;
}

/** Options of `ZkClusterState.create`. */
export interface ClusterStateOptions {
  /** ZooKeeper servers, `host:port[,host:port...][/chroot]`. */
  connectString: string;
  /** Where Squall's tree lives. @default `/squall` */
  root?: string;
  /** Session timeout asked of ZooKeeper (the server clamps it to its min/max). @default 20000 (Storm's) */
  sessionTimeoutMs?: number;
  /** How long `create()` waits for ZooKeeper to be reachable. @default wait forever, logging each attempt */
  connectTimeoutMs?: number;
  /**
   * How long one attempt to connect waits for the session to open before it is retried (Storm's
   * `storm.zookeeper.connection.timeout`). @default max(sessionTimeoutMs, 2000)
   */
  attemptTimeoutMs?: number;
  /** How long an operation waits for a lost connection to return before it fails. @default 30000 */
  operationTimeoutMs?: number;
  /** Back-off between attempts to reach ZooKeeper. @default 1 s doubling to 30 s */
  retry?: RetryOptions;
  /** Protect Squall's nodes with a digest ACL. @default none (open ACL) */
  auth?: ClusterStateAuth;
  /** Errors kept per component. @default 10 */
  maxErrorsPerComponent?: number;
  /** Receives this module's lines, under `component: 'cluster-state'`. @default silent */
  logger?: Logger;
}
