import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { effectiveConfig, SQUALL_VERSION, validateConfig, type Config, type Logger } from '@squall/core';
import { connectFromConfig, type ClusterState, type LeaderCandidate, type Subscription } from '@squall/cluster-state';
import {
  authInterceptor,
  DEFAULT_MAX_MESSAGE_BYTES,
  largestMessage,
  NimbusService,
  serverCredentials,
  serverOptions,
  tlsFilesFromConfig,
  withDecodeFailureLog,
} from '@squall/protocol';
import { HeartbeatTracker } from './heartbeat-tracker';
import { createNimbusHandlers } from './nimbus-service';
import type { NimbusContext } from './nimbus-context';
import { nimbusSettings } from './nimbus-settings';
import { PackageStore } from './package-store';
import { CoalescingRunner } from './coalescing-runner';
import { reconcile } from './reconciler';
import { StatsWindows } from '@squall/stats';
import { MetricsServer } from './metrics-server';
import { NimbusLeadership } from './nimbus-leadership';
import { PackageReplicator } from './package-replicator';
import { NIMBUS_POLICIES } from './nimbus-policies';
import { clusterSecretOf, tokenOf } from './nimbus-context';
import { SupervisorCalls } from './supervisor-calls';
import { closeDebugHandlers } from './debug-service';

/** Options of {@link Nimbus.create}. */
export interface NimbusOptions {
  /** Daemon configuration (squall.yaml, env, -c); defaults filled in. */
  conf: Config;
  logger: Logger;
}

/**
 * The nimbus daemon: serves the Nimbus gRPC API, stores packages, and (while leader) runs the control loop that
 * schedules topologies onto supervisor slots, finishes kills and rebalances, and moves work off dead supervisors.
 */
export class Nimbus {
  private timer: NodeJS.Timeout | undefined;
  private transitionTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly subscriptions: Subscription[] = [];
  private metrics: MetricsServer | undefined;

  private constructor(
    readonly ctx: NimbusContext,
    private readonly server: grpc.Server,
    private readonly cluster: ClusterState,
    private readonly reconciler: CoalescingRunner,
    private readonly replicator: PackageReplicator,
  ) {}

  /** "host:port" nimbus serves on. */
  get address(): string {
    return this.ctx.address;
  }

  /**
   * Binds the gRPC port, connects to ZooKeeper (waiting for it with backoff), registers, joins leader election, and
   * starts serving.
   * @throws when the port cannot be bound
   */
  static async create(options: NimbusOptions): Promise<Nimbus> {
    const conf = effectiveConfig(options.conf);
    validateConfig(conf, 'nimbus configuration');
    const settings = nimbusSettings(conf);
    const log = options.logger;
    const host = settings.host;
    // Credentials are checked from metadata before any request is read, and each method has its own size limit, so
    // an unauthenticated peer can make nimbus decode nothing larger than a status read.
    // The server's interceptors are fixed when it is built, and with nimbus.port 0 the address exists only once it is
    // bound: the one value the credential check reads late (calls proved for another address are refused meanwhile).
    const audience: { address?: string } = {};
    const server = new grpc.Server(
      serverOptions(largestMessage(NIMBUS_POLICIES), {
        'grpc.max_send_message_length': DEFAULT_MAX_MESSAGE_BYTES,
        interceptors: [
          authInterceptor({
            policies: NIMBUS_POLICIES,
            token: tokenOf(conf),
            clusterSecret: clusterSecretOf(conf),
            audiences: () => (audience.address ? [audience.address] : []),
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
    const address = `${host}:${port}`;
    audience.address = address;
    const cluster = await connectFromConfig(conf, log);
    await cluster.registerNimbus({ host, port, startTimeMs: Date.now(), softwareVersion: SQUALL_VERSION });
    const packages = new PackageStore(path.resolve(settings.localDir, 'nimbus', String(port), 'packages'));
    // Standbys copy every live topology's package; leadership is only taken with all of them in hand.
    const replicator = new PackageReplicator({ conf, log, cluster, packages, address });
    const leader: LeaderCandidate = await NimbusLeadership.create(cluster, address, replicator, log);
    // One reconcile at a time; asking during a run queues one more right after it.
    const reconciler = new CoalescingRunner(
      async () => {
        await reconcile(ctx);
        ctx.windows.retainTopologies(await cluster.listStormIds());
      },
      (err) => log.error({ err }, `reconcile failed: ${(err as Error).message}`),
    );
    const ctx: NimbusContext = {
      conf,
      settings,
      log,
      cluster,
      packages,
      heartbeats: new HeartbeatTracker(),
      windows: new StatsWindows(),
      address,
      startedMs: Date.now(),
      leader,
      supervisorCalls: new SupervisorCalls(conf),
      reconcileSoon: () => reconciler.run(),
    };
    const nimbus = new Nimbus(ctx, server, cluster, reconciler, replicator);
    await nimbus.start(host);
    return nimbus;
  }

  /** Serves the Nimbus API with handlers over this nimbus's context, and starts its loops, metrics and replication. */
  private async start(host: string): Promise<void> {
    const { ctx, server } = this;
    const { log, address, leader } = ctx;
    const guarded = withDecodeFailureLog(
      NimbusService,
      (method, bytes, err) =>
        log.warn({ method }, `refused an undecodable ${bytes}-byte message on ${method}: ${err.message}`),
      NIMBUS_POLICIES,
    );
    server.addService(
      guarded as unknown as grpc.ServiceDefinition,
      createNimbusHandlers(ctx) as unknown as grpc.UntypedServiceImplementation,
    );
    this.startLoops();
    const metricsPort = this.ctx.settings.metricsPort;
    if (metricsPort !== null) this.metrics = await MetricsServer.create(ctx, host, metricsPort);
    this.replicator.start(() => leader.isLeader());
    leader.on('elected', () => {
      log.info(`nimbus ${address} is now the leader`);
      void this.reconcileSoon();
    });
    leader.on('deposed', (reason: string) => log.warn(`nimbus ${address} lost leadership: ${reason}`));
    log.info(
      { address, leader: leader.isLeader() },
      `nimbus listening on ${address}${leader.isLeader() ? ' (leader)' : ' (standby)'}`,
    );
  }

  private startLoops(): void {
    const every = this.ctx.settings.monitorMs;
    this.timer = setInterval(() => void this.reconcileSoon(), every);
    this.subscriptions.push(this.cluster.watchSupervisors(() => void this.reconcileSoon()));
    this.subscriptions.push(
      this.cluster.watchStorms((storms) => {
        // Wake up exactly when the next kill or rebalance wait ends.
        const next = Math.min(...[...storms.values()].map((s) => s.value.transitionAtMs ?? Infinity));
        if (this.transitionTimer) clearTimeout(this.transitionTimer);
        if (next !== Infinity)
          this.transitionTimer = setTimeout(() => void this.reconcileSoon(), Math.max(0, next - Date.now()) + 10);
      }),
    );
  }

  /** Runs the reconciler now, or right after the run in progress. */
  reconcileSoon(): Promise<void> {
    return this.reconciler.run();
  }

  /** Stops serving, leaves the election and disconnects. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.transitionTimer) clearTimeout(this.transitionTimer);
    for (const s of this.subscriptions) s.close();
    await this.reconciler.stop();
    // Open taps are streams without end: a graceful shutdown would wait for them forever.
    closeDebugHandlers(this.ctx);
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    this.ctx.supervisorCalls.close();
    await this.metrics?.shutdown();
    await this.replicator.stop();
    await this.ctx.leader.withdraw().catch(() => undefined);
    await this.cluster.shutdown();
  }
}
