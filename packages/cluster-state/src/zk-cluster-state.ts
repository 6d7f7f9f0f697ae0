import { EventEmitter } from 'node:events';
import pino from 'pino';
import { authCredentials, openAcl, squallAcl } from './acl';
import type { ClusterState, ClusterStateEvents, ClusterStateOptions } from './cluster-state';
import { DirectoryWatch, type SnapshotListener, type Subscription } from './directory-watch';
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
import { EphemeralRegistry } from './ephemeral-registry';
import { ClusterStateClosedError } from './errors';
import { appendError, readErrors, readTopologyErrors } from './error-log';
import { readLeader, ZkLeaderCandidate, type LeaderCandidate } from './leader-election';
import { ClusterPaths } from './paths';
import {
  ensurePath,
  listNames,
  readDocument,
  removeNode,
  removeTree,
  runOn,
  writeDocument,
  type StoreContext,
} from './store';
import { ZkSession, type SessionEvents } from './zk-session';

const FORWARDED_EVENTS = ['disconnected', 'connected', 'expired', 'reconnected'] as const;

/**
 * {@link ClusterState} on ZooKeeper (node-zookeeper-client). Made by {@link ZkClusterState.create}, which waits for
 * ZooKeeper (retrying with back-off) and creates Squall's directories; stopped by `shutdown()`.
 */
export class ZkClusterState extends EventEmitter<ClusterStateEvents> implements ClusterState {
  private readonly ephemerals: EphemeralRegistry;
  private readonly watches = new Set<DirectoryWatch<unknown>>();
  private readonly candidates = new Set<ZkLeaderCandidate>();
  private closed = false;

  private constructor(
    private readonly ctx: StoreContext,
    private readonly maxErrorsPerComponent: number,
  ) {
    super();
    this.ephemerals = new EphemeralRegistry(ctx);
    const { session } = ctx;
    // Hooks run in registration order: ephemerals are restored first, so the first snapshot after an expiry already
    // shows this process's own registrations, and listeners have it before `reconnected`.
    session.onNewSession(async () => {
      await Promise.all([...this.watches].map((watch) => watch.rearm(true)));
    });
    session.on('reconnected', ({ newSession }) => {
      if (!newSession) for (const watch of this.watches) void watch.rearm(false);
    });
    for (const event of FORWARDED_EVENTS) {
      session.on(event, (...args: SessionEvents[typeof event]) => this.emit(event, ...(args as [never])));
    }
  }

  /**
   * Connects to ZooKeeper and makes sure Squall's tree exists. While ZooKeeper is unreachable, logs "waiting for
   * ZooKeeper at X (attempt n), retrying in Ns" and retries with capped exponential back-off; throws
   * {@link ZooKeeperUnavailableError} only after `connectTimeoutMs` (if set), and {@link NotAuthorizedError} if the
   * tree exists under an ACL this client's secret does not match.
   */
  static async create(options: ClusterStateOptions): Promise<ZkClusterState> {
    const logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'cluster-state' });
    const session = await ZkSession.open({
      connectString: options.connectString,
      sessionTimeoutMs: options.sessionTimeoutMs ?? 20_000,
      connectTimeoutMs: options.connectTimeoutMs,
      ...(options.attemptTimeoutMs !== undefined ? { attemptTimeoutMs: options.attemptTimeoutMs } : {}),
      operationTimeoutMs: options.operationTimeoutMs ?? 30_000,
      retry: options.retry ?? {},
      auth: options.auth ? { scheme: options.auth.scheme, credentials: authCredentials(options.auth) } : undefined,
      logger,
    });
    const ctx: StoreContext = { session, paths: new ClusterPaths(options.root), acl: squallAcl(options.auth), logger };
    try {
      for (const dir of ctx.paths.directories) {
        await runOn(ctx, dir, (client) => ensurePath(client, dir, ctx.acl, openAcl()));
      }
    } catch (error) {
      await session.close();
      throw error;
    }
    logger.info(
      { connectString: options.connectString, root: ctx.paths.root, sessionId: session.sessionId },
      'connected to ZooKeeper',
    );
    return new ZkClusterState(ctx, options.maxErrorsPerComponent ?? 10);
  }

  /** The current ZooKeeper session id (hex), for logs; changes after an expiry. */
  get sessionId(): string | undefined {
    return this.ctx.session.sessionId;
  }

  /** The layout in use. */
  get paths(): ClusterPaths {
    return this.ctx.paths;
  }

  getStorm(topologyId: string): Promise<Versioned<StormBase> | null> {
    return readDocument(this.ctx, this.ctx.paths.storm(topologyId));
  }
  listStormIds(): Promise<string[]> {
    return listNames(this.ctx, this.ctx.paths.storms);
  }
  putStorm(topologyId: string, base: StormBase, expected: ExpectedVersion): Promise<number> {
    return writeDocument(this.ctx, this.ctx.paths.storm(topologyId), base, expected);
  }
  watchStorms(listener: SnapshotListener<StormBase>): Subscription {
    return this.watch(this.ctx.paths.storms, listener);
  }

  getAssignment(topologyId: string): Promise<Versioned<Assignment> | null> {
    return readDocument(this.ctx, this.ctx.paths.assignment(topologyId));
  }
  listAssignmentIds(): Promise<string[]> {
    return listNames(this.ctx, this.ctx.paths.assignments);
  }
  putAssignment(topologyId: string, assignment: Assignment, expected: ExpectedVersion): Promise<number> {
    return writeDocument(this.ctx, this.ctx.paths.assignment(topologyId), assignment, expected);
  }
  removeAssignment(topologyId: string, expected: number | 'any' = 'any'): Promise<boolean> {
    return removeNode(this.ctx, this.ctx.paths.assignment(topologyId), expected);
  }
  watchAssignments(listener: SnapshotListener<Assignment>): Subscription {
    return this.watch(this.ctx.paths.assignments, listener);
  }

  async removeTopology(topologyId: string): Promise<void> {
    // Assignment first: supervisors stop its workers on seeing it go, whatever happens to the rest.
    await removeNode(this.ctx, this.ctx.paths.assignment(topologyId), 'any');
    await removeNode(this.ctx, this.ctx.paths.storm(topologyId), 'any');
    await removeTree(this.ctx, this.ctx.paths.topologyErrors(topologyId));
  }

  registerSupervisor(info: SupervisorInfo): Promise<void> {
    return this.ephemerals.put(this.ctx.paths.supervisor(info.id), info);
  }
  unregisterSupervisor(supervisorId: string): Promise<boolean> {
    return this.ephemerals.delete(this.ctx.paths.supervisor(supervisorId));
  }
  getSupervisor(supervisorId: string): Promise<Versioned<SupervisorInfo> | null> {
    return readDocument(this.ctx, this.ctx.paths.supervisor(supervisorId));
  }
  listSupervisorIds(): Promise<string[]> {
    return listNames(this.ctx, this.ctx.paths.supervisors);
  }
  watchSupervisors(listener: SnapshotListener<SupervisorInfo>): Subscription {
    return this.watch(this.ctx.paths.supervisors, listener);
  }

  registerNimbus(info: NimbusInfo): Promise<void> {
    return this.ephemerals.put(this.ctx.paths.nimbus(`${info.host}:${info.port}`), info);
  }
  unregisterNimbus(address: string): Promise<boolean> {
    return this.ephemerals.delete(this.ctx.paths.nimbus(address));
  }
  async listNimbuses(): Promise<NimbusInfo[]> {
    const result: NimbusInfo[] = [];
    for (const address of await listNames(this.ctx, this.ctx.paths.nimbuses)) {
      const found = await readDocument<NimbusInfo>(this.ctx, this.ctx.paths.nimbus(address));
      if (found) result.push(found.value);
    }
    return result;
  }
  watchNimbuses(listener: SnapshotListener<NimbusInfo>): Subscription {
    return this.watch(this.ctx.paths.nimbuses, listener);
  }
  async joinLeaderElection(address: string): Promise<LeaderCandidate> {
    this.assertOpen();
    const candidate = new ZkLeaderCandidate(this.ctx, address);
    this.candidates.add(candidate);
    try {
      await candidate.join();
    } catch (error) {
      this.candidates.delete(candidate);
      await candidate.withdraw().catch(() => undefined);
      throw error;
    }
    return candidate;
  }
  getLeader(): Promise<string | null> {
    return readLeader(this.ctx);
  }

  advertiseBlob(key: string, replica: BlobReplica): Promise<void> {
    return this.ephemerals.put(this.ctx.paths.blobReplica(key, replica.nimbusId), replica);
  }
  withdrawBlob(key: string, nimbusId: string): Promise<boolean> {
    return this.ephemerals.delete(this.ctx.paths.blobReplica(key, nimbusId));
  }
  async getBlobReplicas(key: string): Promise<BlobReplica[]> {
    const result: BlobReplica[] = [];
    for (const nimbusId of await listNames(this.ctx, this.ctx.paths.blob(key))) {
      const found = await readDocument<BlobReplica>(this.ctx, this.ctx.paths.blobReplica(key, nimbusId));
      if (found) result.push(found.value);
    }
    return result;
  }
  listBlobKeys(): Promise<string[]> {
    return listNames(this.ctx, this.ctx.paths.blobs);
  }
  async removeBlob(key: string): Promise<void> {
    const dir = this.ctx.paths.blob(key);
    for (const nimbusId of await listNames(this.ctx, dir)) {
      await this.ephemerals.delete(this.ctx.paths.blobReplica(key, nimbusId));
    }
    await removeTree(this.ctx, dir);
  }

  reportError(topologyId: string, component: string, error: ComponentError): Promise<void> {
    return appendError(this.ctx, topologyId, component, error, this.maxErrorsPerComponent);
  }
  getErrors(topologyId: string, component: string): Promise<ComponentError[]> {
    return readErrors(this.ctx, topologyId, component);
  }
  getTopologyErrors(topologyId: string): Promise<Record<string, ComponentError[]>> {
    return readTopologyErrors(this.ctx, topologyId);
  }

  isConnected(): boolean {
    return this.ctx.session.isConnected();
  }

  /**
   * Ends the current session from a second connection, as ZooKeeper does on expiry, and resolves once the expiry is
   * noticed; recovery (new session, re-registration, re-armed watches, `reconnected`) then follows as in production.
   * For chaos tests of this module and of the daemons built on it.
   */
  simulateSessionExpiry(): Promise<void> {
    this.assertOpen();
    return this.ctx.session.simulateExpiry();
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const watch of [...this.watches]) watch.close();
    for (const candidate of this.candidates) candidate.stop('cluster state shut down');
    this.ephemerals.dispose();
    await this.ctx.session.close();
    this.ctx.logger.info('cluster state shut down');
  }

  private watch<T>(dir: string, listener: SnapshotListener<T>): Subscription {
    this.assertOpen();
    const watch = new DirectoryWatch<T>(this.ctx, dir, listener, (closed) =>
      this.watches.delete(closed as DirectoryWatch<unknown>),
    );
    this.watches.add(watch as DirectoryWatch<unknown>);
    watch.start();
    return watch;
  }

  private assertOpen(): void {
    if (this.closed) throw new ClusterStateClosedError();
  }
}
