import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { computeLayout } from '@squall/api';
import { effectiveConfig, type Logger } from '@squall/core';
import { TopologyModel, WorkerRuntime, type ComponentError } from '@squall/engine';
import type { WorkerAssignment, WorkerLaunch } from '@squall/launch-contract';
import { executorStatsToProto } from '@squall/stats/wire';
import { loadPackagedTopology, type TopologyLoaders } from '@squall/packager';
import {
  createSupervisorClient,
  serverCredentials,
  withDecodeFailureLog,
  WorkerService,
  type SupervisorClient,
} from '@squall/protocol';
import { PortInUseError } from './errors';
import { GrpcTransport } from './grpc-transport';
import { taskAddresses } from './task-addresses';
import { createTapHandlers } from './tap-service';
import { createWorkerHandlers, workerServerOptions } from './transfer-service';
import { WireConverter } from './wire';
import { workerSettings, type WorkerSettings } from './worker-settings';

/** Tuples a producer may have in flight to one worker before it must wait for credit. */
const TRANSFER_WINDOW = 16384;

/** Options of {@link Worker.create}. */
export interface WorkerOptions {
  /** Loaders of packages whose topology is not a bundled module (a YAML topology). */
  loaders?: TopologyLoaders;
  /** What to do when heartbeats to the supervisor have failed for `supervisor.worker.timeout.secs`. */
  onSupervisorLost?: (why: string) => void;
}

/**
 * A worker process: runs its executors on the engine, serves the Worker service for peers' Transfer streams, sends
 * tuples for remote tasks over gRPC, and heartbeats to its supervisor (which answers with the topology's status and
 * assignment changes).
 */
export class Worker {
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private lastHeartbeatOk = Date.now();
  private assignmentVersion: string;
  private stopping = false;

  private constructor(
    private readonly launch: WorkerLaunch,
    readonly runtime: WorkerRuntime,
    private readonly transport: GrpcTransport,
    private readonly server: grpc.Server,
    private readonly supervisor: SupervisorClient,
    private readonly log: Logger,
    private readonly closeTransfers: () => void,
    private readonly startedMs: number,
    /** Component errors reported since the last heartbeat (filled by the runtime's onError). */
    private readonly errors: ComponentError[],
    private readonly onSupervisorLost: (why: string) => void,
  ) {
    this.assignmentVersion = launch.assignmentVersion;
  }

  /**
   * Loads the package, binds the port, creates the executors (opening spouts and preparing bolts), and starts
   * heartbeating. Spouts stay inactive until the supervisor says the topology is ACTIVE.
   * @throws PortInUseError when the slot port is taken
   */
  static async create(launch: WorkerLaunch, log: Logger, options: WorkerOptions = {}): Promise<Worker> {
    const startedMs = Date.now();
    const conf = effectiveConfig(launch.topology.conf);
    const settings = workerSettings(conf);
    const topology = await loadPackagedTopology(launch.packageDir, options.loaders);
    const layout = computeLayout(launch.topology.spec, conf);
    const self = `${launch.host}:${launch.port}`;
    const mine = launch.assignment.executors
      .filter((e) => e.supervisorId === launch.supervisorId && e.port === launch.port)
      .map((e) => ({ component: e.component, startTask: e.startTask, endTask: e.endTask }));
    const model = new TopologyModel(launch.topologyId, launch.topology.spec, layout);
    const converter = new WireConverter(model);
    // The port is bound first, so a taken slot fails before any component starts; peers that connect before the
    // service is added below are refused (UNIMPLEMENTED) and retry, as they do for a worker still starting.
    const identity = {
      topologyId: launch.topologyId,
      secret: launch.topology.secret,
      self,
      maxTupleBytes: settings.maxTupleBytes,
      log,
    };
    const { policies, serverOptions } = workerServerOptions(identity);
    const server = new grpc.Server(serverOptions);
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`${launch.host}:${launch.port}`, serverCredentials(launch.tls), (err) =>
        err ? reject(/in use|EADDRINUSE/i.test(err.message) ? new PortInUseError(launch.port) : err) : resolve(),
      ),
    );
    const transport = new GrpcTransport({
      topologyId: launch.topologyId,
      secret: launch.topology.secret,
      self,
      taskAddresses: taskAddresses(launch.assignment),
      converter,
      batchSize: settings.transferBatchSize,
      maxBuffered: 4 * TRANSFER_WINDOW,
      maxTupleBytes: settings.maxTupleBytes,
      tls: launch.tls,
      log,
      onSendError: (task, sourceTask, err) =>
        log.warn(
          { task, err },
          `dropped a tuple for task ${task} from ${layout.taskToComponent.get(sourceTask) ?? 'task ' + sourceTask}: ${(err as Error).message}`,
        ),
    });
    const errors: ComponentError[] = [];
    let runtime: WorkerRuntime;
    try {
      runtime = await WorkerRuntime.create({
        topologyId: launch.topologyId,
        spec: launch.topology.spec,
        registry: topology,
        layout,
        executors: mine,
        transport,
        conf,
        logger: log,
        workerPort: launch.port,
        host: launch.host,
        resourcesDir: path.join(launch.packageDir, 'resources'),
        onError: (e) => errors.push(e),
      });
    } catch (err) {
      transport.close();
      server.forceShutdown();
      throw err;
    }
    // The built runtime is what the handlers serve: Transfer and Tap (credentials checked from metadata before any
    // message is read; each method has its own size limit, Transfer one batch).
    const transfers = createWorkerHandlers({ ...identity, runtime, converter, window: TRANSFER_WINDOW, startedMs });
    runtime.setAfterPass(transfers.retryCredit);
    const taps = createTapHandlers({
      topologyId: launch.topologyId,
      secret: launch.topology.secret,
      self,
      runtime,
      log,
      bufferSize: settings.tapBufferSize,
    });
    const guarded = withDecodeFailureLog(
      WorkerService,
      (method, bytes, err) =>
        log.warn({ method }, `refused an undecodable ${bytes}-byte message on ${method}: ${err.message}`),
      policies,
    );
    const handlers = { ...transfers.handlers, ...taps.handlers, ping: taps.withTapCount(transfers.handlers.ping) };
    server.addService(
      guarded as unknown as grpc.ServiceDefinition,
      handlers as unknown as grpc.UntypedServiceImplementation,
    );
    // Heartbeats prove this topology's secret: a worker holds no cluster credential and speaks only for its topology.
    const supervisor = createSupervisorClient(launch.supervisorAddress, {
      tls: launch.tls,
      topologyCredential: { topologyId: launch.topologyId, secret: launch.topology.secret },
    });
    const closeAll = () => {
      taps.close();
      transfers.close();
    };
    const worker = new Worker(
      launch,
      runtime,
      transport,
      server,
      supervisor,
      log,
      closeAll,
      startedMs,
      errors,
      options.onSupervisorLost ?? (() => undefined),
    );
    runtime.start(false);
    worker.startHeartbeats(settings);
    log.info(
      { executors: mine.length, address: self },
      `worker ${self} running ${mine.length} executor(s) of ${launch.topologyId}`,
    );
    return worker;
  }

  private startHeartbeats(settings: WorkerSettings): void {
    const every = settings.heartbeatMs;
    const timeoutMs = settings.supervisorTimeoutMs;
    const beat = () => {
      const errors = this.errors.splice(0);
      this.supervisor.workerHeartbeat(
        {
          topologyId: this.launch.topologyId,
          port: this.launch.port,
          pid: process.pid,
          uptimeSecs: Math.floor((Date.now() - this.startedMs) / 1000),
          timeMs: Date.now(),
          executors: this.runtime.stats().map(executorStatsToProto),
          errors: errors.map((e) => ({
            component: e.component,
            error: e.message,
            timeMs: e.timeMs,
            host: e.host ?? this.launch.host,
            port: this.launch.port,
            task: e.task,
          })),
          assignmentVersion: this.assignmentVersion,
        },
        (err, res) => {
          if (err || !res) {
            this.errors.unshift(...errors);
            if (Date.now() - this.lastHeartbeatOk > timeoutMs) this.onSupervisorLost(err?.message ?? 'no response');
            return;
          }
          this.lastHeartbeatOk = Date.now();
          if (res.active) this.runtime.activate();
          else this.runtime.deactivate();
          if (res.assignmentJson && res.assignmentVersion !== this.assignmentVersion) {
            this.assignmentVersion = res.assignmentVersion;
            this.transport.updateRoutes(taskAddresses(JSON.parse(res.assignmentJson) as WorkerAssignment));
            this.log.info({ version: res.assignmentVersion }, 'peers moved: transfer routes updated');
          }
        },
      );
    };
    beat();
    this.heartbeatTimer = setInterval(beat, every);
  }

  /**
   * Graceful stop: spouts deactivated, queued and in-flight tuples given up to `drainMs` to finish, components closed,
   * streams and server shut.
   */
  async shutdown(drainMs: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    await this.runtime.shutdown(drainMs);
    this.transport.close();
    this.closeTransfers();
    this.server.forceShutdown();
    this.supervisor.close();
  }
}
