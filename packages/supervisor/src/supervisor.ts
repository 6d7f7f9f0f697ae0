import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  clusterSecretOf,
  effectiveConfig,
  getConfig,
  isSafeId,
  SQUALL_VERSION,
  validateConfig,
  type Config,
  type Logger,
} from '@squall/core';
import {
  connectFromConfig,
  type Assignment,
  type ClusterState,
  type StormBase,
  type Subscription,
  type Versioned,
} from '@squall/cluster-state';
import {
  assignmentSignatureProblem,
  authInterceptor,
  createNimbusClient,
  largestMessage,
  metadataString,
  pb,
  serverCredentials,
  serverOptions,
  SupervisorService,
  tlsFilesFromConfig,
  TOPOLOGY_ID_METADATA_KEY,
  withDecodeFailureLog,
  type NimbusClient,
  type TlsFiles,
} from '@squall/protocol';
import { EXIT_PORT_IN_USE, type WorkerLaunch } from '@squall/launch-contract';
import { WORKER_MAIN } from './worker-main';
import { PackageCache } from './package-cache';
import { PythonEnvironments } from './python-envs';
import {
  sameAssignment,
  slotPid,
  stepSlot,
  type SlotAction,
  type SlotAssignment,
  type SlotState,
  type SlotTimeouts,
} from './slot-state';
import { supervisorSettings } from './supervisor-settings';
import { createSupervisorHandlers, MAX_SLOT_ERRORS, SUPERVISOR_POLICIES } from './supervisor-service';
import { describeExit, spawnWorker, type WorkerProcess } from './worker-process';
import {
  grantTree,
  parseUidRange,
  runsWorkersAsUsers,
  unreachableForOthers,
  warnSharedUser,
  WorkerUsers,
} from './worker-user';

/** Options of {@link Supervisor.create}. */
export interface SupervisorOptions {
  conf: Config;
  logger: Logger;
}

/** Everything the supervisor tracks about one slot. */
interface Slot {
  port: number;
  state: SlotState;
  proc?: WorkerProcess;
  lastHeartbeat?: number;
  stats: pb.IExecutorStats[];
  errors: pb.IErrorInfo[];
  /** Outcomes of the slot's actions, not yet observed by a step. */
  spawnedPid?: number;
  downloaded?: { assignment: SlotAssignment; error?: string };
  /** A step scheduled for when a failed download may be retried. */
  retryTimer?: NodeJS.Timeout;
}

/**
 * The supervisor daemon: registers its slots in ZooKeeper, watches assignments, downloads and verifies packages, and
 * runs one worker process per assigned slot through each slot's state machine (restarting dead or silent workers with
 * backoff, killing those whose assignment went away); it heartbeats its workers' state and stats to nimbus.
 */
export class Supervisor {
  private readonly slots = new Map<number, Slot>();
  private assignments: ReadonlyMap<string, Versioned<Assignment>> = new Map();
  /** Set once the assignments were read: until then no topology's Python virtualenv is known to be unused. */
  private assignmentsRead = false;
  private storms: ReadonlyMap<string, Versioned<StormBase>> = new Map();
  private readonly subscriptions: Subscription[] = [];
  private timers: NodeJS.Timeout[] = [];
  private stepping = false;
  private stopped = false;
  private nimbus: { address: string; client: NimbusClient } | undefined;
  private readonly timeouts: SlotTimeouts;
  private readonly startedMs = Date.now();
  /** `squall.tls.*`: used for nimbus calls and handed to workers. */
  private readonly tls: TlsFiles | undefined;
  /** Virtualenvs of topologies that ship Python wheels, installed before their workers start. */
  private readonly pythonEnvs: PythonEnvironments;
  /** `squall.cluster.secret`: proves this supervisor to nimbus and checks what nimbus signed. */
  private readonly clusterSecret: string | undefined;
  /** The operator's `worker.childopts`, from this supervisor's own config. */
  private readonly workerChildopts: string;
  /** The last assignment of each topology that passed {@link trusted}. */
  private readonly lastTrusted = new Map<string, Versioned<Assignment>>();
  /** Assignments refused for their signature, `<id>@<version>`, so each is reported once. */
  private readonly refusedAssignments = new Set<string>();

  private constructor(
    readonly id: string,
    readonly host: string,
    readonly address: string,
    conf: Config,
    private readonly log: Logger,
    private readonly cluster: ClusterState,
    private readonly server: grpc.Server,
    private readonly cache: PackageCache,
    private readonly workDir: string,
    /** Each topology's OS user (`supervisor.run.worker.as.user`); undefined: workers run as this supervisor's user. */
    private readonly users: WorkerUsers | undefined,
  ) {
    this.tls = tlsFilesFromConfig(conf);
    this.pythonEnvs = new PythonEnvironments(
      path.join(path.dirname(cache.dir), 'python-envs'),
      log,
      undefined,
      users ? (t) => users.userOf(t) : undefined,
    );
    this.clusterSecret = clusterSecretOf(conf);
    const settings = supervisorSettings(conf);
    this.workerChildopts = settings.workerChildopts;
    this.timeouts = {
      startMs: settings.workerStartTimeoutMs,
      heartbeatMs: settings.workerTimeoutMs,
      shutdownMs: settings.workerShutdownMs,
    };
    for (const port of settings.slotPorts)
      this.slots.set(port, { port, state: { kind: 'EMPTY' }, stats: [], errors: [] });
  }

  /**
   * Starts the supervisor: binds its service port, connects to ZooKeeper (waiting with backoff), then serves,
   * registers and watches ({@link start}).
   */
  static async create(options: SupervisorOptions): Promise<Supervisor> {
    const conf = effectiveConfig(options.conf);
    validateConfig(conf, 'supervisor configuration');
    const settings = supervisorSettings(conf);
    const localDir = path.resolve(settings.localDir, 'supervisor');
    const log = options.logger;
    const runAsUser = runsWorkersAsUsers(conf['supervisor.run.worker.as.user']);
    const uidRange = parseUidRange(getConfig(conf, 'supervisor.worker.uid.range'));
    warnSharedUser(log, runAsUser);
    // Worker dirs hold launch files with topology secrets: nothing under here is for other users, who may at most
    // traverse (run-as-user: a worker reaches its own dir, package and virtualenv, each closed to other topologies).
    mkdirSync(localDir, { recursive: true, mode: runAsUser ? 0o711 : 0o700 });
    chmodSync(localDir, runAsUser ? 0o711 : 0o700);
    if (runAsUser) {
      const blocked = unreachableForOthers([WORKER_MAIN, process.execPath, localDir]);
      if (blocked)
        throw new Error(
          `supervisor.run.worker.as.user: workers run as their own uids, but ${blocked.dir} (mode 0${blocked.mode.toString(8)}) does not let other users through to ${blocked.wanted}; give it o+x (chmod o+x ${blocked.dir}) or set supervisor.run.worker.as.user=false`,
        );
    }
    const idFile = path.join(localDir, 'id');
    // A stable id across restarts on the same local dir, so nimbus sees the same supervisor come back.
    const id = existsSync(idFile)
      ? readFileSync(idFile, 'utf8').trim()
      : `supervisor-${randomBytes(4).toString('hex')}`;
    writeFileSync(idFile, id, { mode: 0o600 });
    chmodSync(idFile, 0o600);
    const host = settings.host;
    // Credentials are checked from metadata before a request is read: a worker proves its own topology's secret, the
    // UI (log reads) the cluster credential. Interceptors are fixed when the server is made, before the port is bound
    // (which gives the address) and so before the supervisor exists: they look it up when a call comes.
    let sup: Supervisor | undefined = undefined;
    const server = new grpc.Server(
      serverOptions(largestMessage(SUPERVISOR_POLICIES), {
        interceptors: [
          authInterceptor({
            policies: SUPERVISOR_POLICIES,
            clusterSecret: clusterSecretOf(conf),
            audiences: () => (sup ? [sup.address] : []),
            topologySecret: (id) => sup?.topologySecret(id),
            onRefused: (r) =>
              log.warn(
                { peer: r.peer, call: r.name, reason: r.reason },
                `refused unauthenticated ${r.name} from ${r.peer}: ${r.reason}`,
              ),
          }),
        ],
      }),
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${settings.port}`, serverCredentials(tlsFilesFromConfig(conf)), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    const cluster = await connectFromConfig(conf, log);
    const cache = new PackageCache(path.join(localDir, 'packages'), log, {
      maxExtractedBytes: settings.packageMaxBytes,
      clusterSecret: clusterSecretOf(conf),
    });
    const workersDir = path.join(localDir, 'workers');
    const users = runAsUser ? new WorkerUsers(path.join(localDir, 'worker-uids.json'), uidRange) : undefined;
    if (users) {
      for (const d of [cache.dir, workersDir]) {
        mkdirSync(d, { recursive: true, mode: 0o711 });
        chmodSync(d, 0o711);
      }
    }
    sup = new Supervisor(id, host, `${host}:${port}`, conf, log, cluster, server, cache, workersDir, users);
    await sup.start(settings.heartbeatMs, settings.monitorMs);
    log.info(
      { id, slots: [...sup.slots.keys()], address: sup.address, runAsUser },
      `supervisor ${id} on ${host} with slots ${[...sup.slots.keys()].join(', ')}${runAsUser ? `; each topology's workers run as a uid of their own from ${uidRange.first}-${uidRange.last}` : ''}`,
    );
    return sup;
  }

  /** Serves the Supervisor API with handlers over this supervisor, registers in ZooKeeper, watches and steps. */
  private async start(heartbeatMs: number, monitorMs: number): Promise<void> {
    const log = this.log;
    const guarded = withDecodeFailureLog(
      SupervisorService,
      (method, bytes, err) =>
        log.warn({ method }, `refused an undecodable ${bytes}-byte message on ${method}: ${err.message}`),
      SUPERVISOR_POLICIES,
    );
    this.server.addService(
      guarded as unknown as grpc.ServiceDefinition,
      createSupervisorHandlers({
        onWorkerHeartbeat: (r) => this.onWorkerHeartbeat(r),
        logFile: (t, p) => this.logFileOf(t, p),
        log,
        authenticatedTopology: (metadata) => metadataString(metadata, TOPOLOGY_ID_METADATA_KEY),
      }) as unknown as grpc.UntypedServiceImplementation,
    );
    await this.register();
    this.subscriptions.push(
      this.cluster.watchAssignments((a) => {
        this.assignments = a;
        this.assignmentsRead = true;
        for (const id of this.lastTrusted.keys()) if (!a.has(id)) this.lastTrusted.delete(id);
        this.step();
      }),
      this.cluster.watchStorms((s) => {
        this.storms = s;
        this.step();
      }),
    );
    this.timers.push(setInterval(() => this.step(), monitorMs));
    this.timers.push(setInterval(() => this.prunePackages(), 10_000));
    this.timers.push(setInterval(() => this.heartbeatToNimbus(), heartbeatMs));
  }

  private usedPorts(): number[] {
    return [...this.slots.values()].filter((s) => s.state.kind !== 'EMPTY').map((s) => s.port);
  }

  private async register(): Promise<void> {
    await this.cluster.registerSupervisor({
      id: this.id,
      host: this.host,
      ports: [...this.slots.keys()],
      usedPorts: this.usedPorts(),
      startTimeMs: this.startedMs,
      softwareVersion: SQUALL_VERSION,
    });
  }

  /**
   * What the assignments say slot `port` should run. With `squall.cluster.secret`, only assignments nimbus signed
   * count, and the package digest is the signed one: ZooKeeper alone cannot make this supervisor run anything.
   */
  private desired(port: number): { slot: SlotAssignment; assignment: Versioned<Assignment> } | null {
    for (const [topologyId, latest] of this.assignments) {
      const storm = this.storms.get(topologyId);
      if (!storm) continue;
      // A forged or tampered version does not stop what runs: the last version nimbus signed stays in force.
      const a = this.trusted(topologyId, latest) ? latest : this.lastTrusted.get(topologyId);
      if (!a) continue;
      const execs = a.value.executors.filter((e) => e.supervisorId === this.id && e.port === port);
      if (execs.length === 0) continue;
      const executorsKey = execs
        .map((e) => `${e.component}[${e.startTask}-${e.endTask}]`)
        .sort()
        .join(',');
      const packageDigest = this.clusterSecret !== undefined ? a.value.packageDigest! : storm.value.packageDigest;
      return { slot: { topologyId, executorsKey, packageDigest }, assignment: a };
    }
    return null;
  }

  /** Whether an assignment may be acted on: a safe id and, with `squall.cluster.secret`, nimbus's signature. */
  private trusted(topologyId: string, a: Versioned<Assignment>): boolean {
    const key = `${topologyId}@${a.version}`;
    let problem: string | undefined;
    if (!isSafeId(topologyId)) problem = 'its topology id is not a safe id';
    else if (this.clusterSecret !== undefined)
      problem = assignmentSignatureProblem(this.clusterSecret, topologyId, a.value);
    if (problem === undefined) {
      this.lastTrusted.set(topologyId, a);
      return true;
    }
    if (!this.refusedAssignments.has(key)) {
      if (this.refusedAssignments.size > 10_000) this.refusedAssignments.clear();
      this.refusedAssignments.add(key);
      const shown = JSON.stringify(topologyId.slice(0, 100));
      this.log.error(
        { topology: shown, version: a.version },
        `refused the assignment of ${shown} (version ${a.version}) in ZooKeeper: ${problem}`,
      );
    }
    return false;
  }

  /** The secret of a topology this supervisor runs a worker of (authenticates WorkerHeartbeat). */
  topologySecret(topologyId: string): string | undefined {
    if (!isSafeId(topologyId)) return undefined;
    for (const slot of this.slots.values()) {
      if (!('assignment' in slot.state) || slot.state.assignment.topologyId !== topologyId) continue;
      const secret = this.cache.get(topologyId, slot.state.assignment.packageDigest)?.topology.secret;
      if (secret !== undefined) return secret;
    }
    return undefined;
  }

  /** Deletes cached packages no slot wants or runs (killed topologies, old versions). */
  prunePackages(): void {
    if (this.stopping) return;
    const keep = new Set<string>();
    for (const slot of this.slots.values()) {
      if ('assignment' in slot.state)
        keep.add(`${slot.state.assignment.topologyId}@${slot.state.assignment.packageDigest}`);
      const want = this.desired(slot.port);
      if (want) keep.add(`${want.slot.topologyId}@${want.slot.packageDigest}`);
    }
    try {
      for (const name of this.cache.prune(keep))
        this.log.info({ package: name }, `removed cached package ${name}: no slot runs it`);
    } catch (err) {
      this.log.warn({ err }, `pruning cached packages failed: ${(err as Error).message}`);
    }
  }

  /** Steps every slot's state machine and performs the actions. Re-entrant calls coalesce. */
  step(): void {
    if (this.stopping || this.stepping) return;
    this.stepping = true;
    try {
      for (const slot of this.slots.values()) this.stepOne(slot);
      if (this.assignmentsRead) {
        const keep = new Set([
          ...this.assignments.keys(),
          ...[...this.slots.values()].flatMap((s) => ('assignment' in s.state ? [s.state.assignment.topologyId] : [])),
        ]);
        this.pythonEnvs.prune(keep);
        this.users?.release(keep);
      }
    } finally {
      this.stepping = false;
    }
  }

  /**
   * Steps one slot's machine and performs its actions. An outcome known at once (the pid of a worker just spawned)
   * is fed to another step straight away; a download's outcome comes with the step after it finished.
   */
  private stepOne(slot: Slot): void {
    for (let round = 0; round < 3; round++) {
      const want = this.desired(slot.port);
      const desired = want?.slot ?? null;
      const pkg = desired ? this.cache.get(desired.topologyId, desired.packageDigest) : undefined;
      const proc = slot.proc;
      const { spawnedPid, downloaded } = slot;
      slot.spawnedPid = undefined;
      slot.downloaded = undefined;
      const result = stepSlot(
        slot.state,
        {
          now: Date.now(),
          desired,
          packageReady: pkg !== undefined && this.pythonEnvs.ready(pkg),
          processAlive: proc !== undefined && proc.exit === undefined,
          ...(proc?.exit ? { exitDescription: this.exitReason(proc) } : {}),
          ...(slot.lastHeartbeat !== undefined ? { lastHeartbeat: slot.lastHeartbeat } : {}),
          ...(spawnedPid !== undefined ? { spawnedPid } : {}),
          // The outcome of a download for another assignment than the one wanted now says nothing about it.
          ...(downloaded && sameAssignment(downloaded.assignment, desired)
            ? { downloaded: downloaded.error !== undefined ? { error: downloaded.error } : {} }
            : {}),
        },
        this.timeouts,
      );
      const before = slot.state.kind;
      slot.state = result.state;
      if (before !== slot.state.kind)
        this.log.debug({ port: slot.port, from: before, to: slot.state.kind }, 'slot state');
      for (const action of result.actions) this.perform(slot, action, want?.assignment);
      if (slot.state.kind === 'EMPTY' && slot.proc?.exit) slot.proc = undefined;
      if (slot.spawnedPid === undefined) break;
    }
    this.scheduleDownloadRetry(slot);
  }

  /** After a failed download, steps again when it may be retried (the 1 s step timer would be up to 1 s late). */
  private scheduleDownloadRetry(slot: Slot): void {
    const s = slot.state;
    if (s.kind !== 'WAITING_FOR_PACKAGE' || s.downloading || s.retryAt <= Date.now() || slot.retryTimer) return;
    slot.retryTimer = setTimeout(
      () => {
        slot.retryTimer = undefined;
        this.step();
      },
      s.retryAt - Date.now() + 5,
    );
  }

  private exitReason(p: WorkerProcess): string {
    const e = describeExit(p.exit);
    return p.exit?.code === EXIT_PORT_IN_USE ? `${e}: port is in use by another process` : (e ?? 'unknown');
  }

  private perform(slot: Slot, action: SlotAction, assignment: Versioned<Assignment> | undefined): void {
    switch (action.kind) {
      case 'download':
        this.download(slot, action.assignment);
        return;
      case 'start': {
        if (!assignment) return;
        const pkg = this.cache.get(action.assignment.topologyId, action.assignment.packageDigest);
        if (!pkg) return;
        const launch: WorkerLaunch = {
          topologyId: action.assignment.topologyId,
          supervisorId: this.id,
          host: this.host,
          port: slot.port,
          supervisorAddress: this.address,
          packageDir: pkg.dir,
          topology: { spec: pkg.topology.spec, conf: pkg.topology.conf, secret: pkg.topology.secret },
          assignment: assignment.value,
          assignmentVersion: String(assignment.version),
          ...(this.tls ? { tls: this.tls } : {}),
        };
        slot.lastHeartbeat = undefined;
        slot.stats = [];
        let user: ReturnType<WorkerUsers['userOf']> | undefined;
        try {
          user = this.users?.userOf(launch.topologyId);
          // The topology's workers read their package; no other topology's can. (A re-extracted package is root's again.)
          if (user && statSync(pkg.dir).gid !== user.gid) grantTree(pkg.dir, user.gid);
        } catch (err) {
          // The slot's start timeout restarts it; the reason is in the log and the topology's errors.
          this.perform(
            slot,
            {
              kind: 'report',
              level: 'error',
              message: `cannot start a worker of ${launch.topologyId} as its own user: ${(err as Error).message}`,
            },
            assignment,
          );
          return;
        }
        slot.proc = spawnWorker(
          path.join(this.workDir, `${action.assignment.topologyId}-${slot.port}`),
          launch,
          () => this.step(),
          {
            operatorChildopts: this.workerChildopts,
            log: this.log,
            extraEnv: this.pythonEnvs.environment(pkg),
            user,
          },
        );
        this.log.info(
          { topology: launch.topologyId, port: slot.port, pid: slot.proc.pid },
          `started worker for ${launch.topologyId} on port ${slot.port} (pid ${slot.proc.pid})`,
        );
        slot.spawnedPid = slot.proc.pid;
        void this.register().catch(() => undefined);
        return;
      }
      case 'signal':
        try {
          process.kill(action.pid, action.signal);
        } catch {
          /* already gone */
        }
        return;
      case 'report': {
        const topologyId = 'assignment' in slot.state ? slot.state.assignment.topologyId : '';
        this.log[action.level]({ port: slot.port, topology: topologyId }, action.message);
        if (action.level === 'error' && topologyId && !action.logOnly)
          slot.errors.push({
            component: '__worker',
            error: `${this.host}:${slot.port}: ${action.message}`,
            timeMs: Date.now(),
            host: this.host,
            port: slot.port,
            task: -1,
          });
        return;
      }
    }
  }

  /** Downloads, verifies and prepares the package; the outcome is an observation of the next step. */
  private download(slot: Slot, want: SlotAssignment): void {
    void this.nimbusClient()
      .then((client) => this.cache.fetch(client, want.topologyId, want.packageDigest))
      .then((pkg) => this.pythonEnvs.prepare(pkg))
      .then(
        () => {
          slot.downloaded = { assignment: want };
        },
        (err: unknown) => {
          slot.downloaded = { assignment: want, error: (err as Error)?.message ?? String(err) };
        },
      )
      .finally(() => this.step());
  }

  private async nimbusClient(): Promise<NimbusClient> {
    const leader = await this.cluster.getLeader();
    if (!leader) throw new Error('no nimbus leader registered in ZooKeeper');
    if (this.nimbus?.address !== leader) {
      this.nimbus?.client.close();
      // The cluster credential travels as a proof bound to this address: a leader address forged in ZooKeeper gets
      // nothing it could use elsewhere, and the packages it might serve are checked against nimbus's signature.
      this.nimbus = {
        address: leader,
        client: createNimbusClient(leader, { tls: this.tls, clusterSecret: this.clusterSecret }),
      };
    }
    return this.nimbus.client;
  }

  /** Handles a worker's heartbeat: records it and answers with its topology's status and assignment. */
  onWorkerHeartbeat(req: pb.WorkerHeartbeatRequest): pb.IWorkerHeartbeatResponse {
    const slot = this.slots.get(req.port);
    const want = this.desired(req.port);
    if (!slot || !want || want.slot.topologyId !== req.topologyId) return { active: false, status: 'KILLED' };
    slot.lastHeartbeat = Date.now();
    slot.stats = req.executors;
    // Bounded: a worker in an error loop (or a forger holding the topology's secret) cannot grow the supervisor.
    slot.errors.push(...req.errors.slice(0, MAX_SLOT_ERRORS));
    if (slot.errors.length > MAX_SLOT_ERRORS) slot.errors.splice(0, slot.errors.length - MAX_SLOT_ERRORS);
    if (slot.state.kind === 'STARTING') this.stepOne(slot);
    const status = this.storms.get(req.topologyId)?.value.status ?? 'KILLED';
    const version = String(want.assignment.version);
    return {
      active: status === 'ACTIVE',
      status,
      assignmentVersion: version,
      ...(req.assignmentVersion !== version ? { assignmentJson: JSON.stringify(want.assignment.value) } : {}),
    };
  }

  /** Log file of a worker slot; undefined for an id that is not safe or a port that is not a slot. */
  logFileOf(topologyId: string, port: number): string | undefined {
    if (!isSafeId(topologyId) || !this.slots.has(port)) return undefined;
    return path.join(this.workDir, `${topologyId}-${port}`, 'worker.log');
  }

  private heartbeatToNimbus(): void {
    const workers: pb.IWorkerState[] = [];
    for (const slot of this.slots.values()) {
      if (!('assignment' in slot.state)) continue;
      const status =
        slot.state.kind === 'RUNNING'
          ? pb.WorkerStatus.WORKER_STATUS_RUNNING
          : slot.state.kind === 'KILLING'
            ? pb.WorkerStatus.WORKER_STATUS_KILLING
            : slot.state.kind === 'BACKOFF'
              ? pb.WorkerStatus.WORKER_STATUS_DEAD
              : pb.WorkerStatus.WORKER_STATUS_STARTING;
      workers.push({
        topologyId: slot.state.assignment.topologyId,
        port: slot.port,
        status,
        pid: slotPid(slot.state) ?? 0,
        uptimeSecs: slot.proc ? Math.floor((Date.now() - slot.proc.startedMs) / 1000) : 0,
        lastHeartbeatMs: slot.lastHeartbeat ?? 0,
        executors: slot.stats,
        errors: slot.errors.splice(0),
      });
    }
    const request: pb.ISupervisorHeartbeatRequest = {
      supervisorId: this.id,
      host: this.host,
      ports: [...this.slots.keys()],
      usedPorts: this.usedPorts(),
      uptimeSecs: Math.floor((Date.now() - this.startedMs) / 1000),
      version: SQUALL_VERSION,
      workers,
      servicePort: Number(this.address.slice(this.address.lastIndexOf(':') + 1)),
    };
    void this.nimbusClient()
      .then(
        (client) =>
          new Promise<void>((resolve, reject) =>
            client.supervisorHeartbeat(request, (err) => (err ? reject(err) : resolve())),
          ),
      )
      .catch((err: unknown) => {
        // Keep the errors for the next attempt.
        for (const w of workers) {
          const slot = this.slots.get(Number(w.port));
          if (!slot || !w.errors?.length) continue;
          slot.errors.unshift(...w.errors);
          if (slot.errors.length > MAX_SLOT_ERRORS) slot.errors.splice(0, slot.errors.length - MAX_SLOT_ERRORS);
        }
        this.log.warn({ err }, `heartbeat to nimbus failed: ${(err as Error).message}`);
      });
  }

  private stopping = false;

  /** Stops every worker (SIGTERM, SIGKILL after the shutdown sleep), unregisters and disconnects. */
  async shutdown(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    for (const slot of this.slots.values()) clearTimeout(slot.retryTimer);
    for (const s of this.subscriptions) s.close();
    const procs = [...this.slots.values()]
      .map((s) => s.proc)
      .filter((p): p is WorkerProcess => p !== undefined && p.exit === undefined);
    for (const p of procs) p.child.kill('SIGTERM');
    const deadline = Date.now() + this.timeouts.shutdownMs;
    while (procs.some((p) => p.exit === undefined) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    for (const p of procs) if (p.exit === undefined) p.child.kill('SIGKILL');
    await this.cluster.unregisterSupervisor(this.id).catch(() => undefined);
    this.nimbus?.client.close();
    this.server.forceShutdown();
    await this.cluster.shutdown();
  }

  /** Pids of running workers, by port (for tests and `squall` diagnostics). */
  workerPids(): Map<number, number> {
    const out = new Map<number, number>();
    for (const s of this.slots.values()) if (s.proc && s.proc.exit === undefined) out.set(s.port, s.proc.pid);
    return out;
  }

  /** Whether shutdown has begun. */
  get isStopped(): boolean {
    return this.stopped;
  }
}
