import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { defaultConfig, getConfig, mergeConfig, validateConfig, type Config, type Logger } from '@squall/core';
import { connectFromConfig, type ClusterState, type LeaderCandidate, type Subscription } from '@squall/cluster-state';
import { authInterceptor, DEFAULT_MAX_MESSAGE_BYTES, largestMessage, NimbusService, serverCredentials, serverOptions, tlsFilesFromConfig, withDecodeFailureLog } from '@squall/protocol';
import { HeartbeatTracker } from './heartbeat-tracker';
import { createNimbusHandlers } from './nimbus-service';
import type { NimbusContext } from './nimbus-context';
import { PackageStore } from './package-store';
import { CoalescingRunner } from './coalescing-runner';
import { reconcile } from './reconciler';
import { StatsWindows } from './stats-windows';
import { MetricsServer } from './metrics-server';
import { NimbusLeadership } from './nimbus-leadership';
import { PackageReplicator } from './package-replicator';
import { NIMBUS_POLICIES } from './nimbus-policies';
import { clusterSecretOf, tokenOf } from './nimbus-context';
import { SupervisorCalls } from './supervisor-calls';
import { closeDebugHandlers } from './debug-service';


/** Squall's version, reported in ZooKeeper registrations. */
export const SQUALL_VERSION = '0.1.0';

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
  private readonly reconciler = new CoalescingRunner(
    async () => {
      await reconcile(this.ctx);
      this.ctx.windows.retainTopologies(await this.cluster.listStormIds());
    },
    (err) => this.ctx.log.error({ err }, `reconcile failed: ${(err as Error).message}`),
  );
  private readonly subscriptions: Subscription[] = [];
  private replicator: PackageReplicator | undefined;
  private metrics: MetricsServer | undefined;

  private constructor(
    readonly ctx: NimbusContext,
    private readonly server: grpc.Server,
    private readonly cluster: ClusterState,
  ) {}

  /** "host:port" nimbus serves on. */
  get address(): string {
    return this.ctx.address;
  }

  /**
   * Connects to ZooKeeper (waiting for it with backoff), binds the gRPC port, registers, and joins leader election.
   * @throws when the port cannot be bound
   */
  static async create(options: NimbusOptions): Promise<Nimbus> {
    const conf = mergeConfig(defaultConfig(), options.conf);
    validateConfig(conf, 'nimbus configuration');
    const log = options.logger;
    const host = getConfig<string>(conf, 'nimbus.host');
    // Credentials are checked from metadata before any request is read, and each method has its own size limit, so
    // an unauthenticated peer can make nimbus decode nothing larger than a status read.
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
            onRefused: (r) => log.warn({ peer: r.peer, call: r.name, reason: r.reason }, `refused unauthenticated ${r.name} from ${r.peer}: ${r.reason}`),
          }),
        ],
      }),
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${getConfig<number>(conf, 'nimbus.port')}`, serverCredentials(tlsFilesFromConfig(conf)), (err, p) => (err ? reject(err) : resolve(p))),
    );
    const address = `${host}:${port}`;
    audience.address = address;
    const cluster = await connectFromConfig(conf, log);
    await cluster.registerNimbus({ host, port, startTimeMs: Date.now(), softwareVersion: SQUALL_VERSION });
    const packages = new PackageStore(path.resolve(getConfig<string>(conf, 'storm.local.dir'), 'nimbus', String(port), 'packages'));
    // Standbys copy every live topology's package; leadership is only taken with all of them in hand.
    const leading: { leader?: LeaderCandidate } = {};
    const replicator = new PackageReplicator({ conf, log, cluster, packages, address, isLeader: () => leading.leader?.isLeader() ?? false });
    const leader: LeaderCandidate = await NimbusLeadership.create(cluster, address, replicator, log);
    leading.leader = leader;
    // The context is built before the Nimbus that serves it; calls made through it resolve the instance late.
    const late: { nimbus?: Nimbus } = {};
    const ctx: NimbusContext = {
      conf,
      log,
      cluster,
      packages,
      heartbeats: new HeartbeatTracker(),
      windows: new StatsWindows(),
      address,
      startedMs: Date.now(),
      leader,
      supervisorCalls: new SupervisorCalls(conf),
      reconcileSoon: () => late.nimbus?.reconcileSoon() ?? Promise.resolve(),
    };
    const guarded = withDecodeFailureLog(NimbusService, (method, bytes, err) => log.warn({ method }, `refused an undecodable ${bytes}-byte message on ${method}: ${err.message}`), NIMBUS_POLICIES);
    server.addService(guarded as unknown as grpc.ServiceDefinition, createNimbusHandlers(ctx) as unknown as grpc.UntypedServiceImplementation);
    const nimbus = new Nimbus(ctx, server, cluster);
    late.nimbus = nimbus;
    nimbus.startLoops();
    const metricsPort = conf['nimbus.metrics.port'];
    if (typeof metricsPort === 'number') nimbus.metrics = await MetricsServer.create(ctx, host, metricsPort);
    nimbus.replicator = replicator;
    replicator.start();
    leader.on('elected', () => {
      log.info(`nimbus ${address} is now the leader`);
      void nimbus.reconcileSoon();
    });
    leader.on('deposed', (reason: string) => log.warn(`nimbus ${address} lost leadership: ${reason}`));
    log.info({ address, leader: leader.isLeader() }, `nimbus listening on ${address}${leader.isLeader() ? ' (leader)' : ' (standby)'}`);
    return nimbus;
  }

  private startLoops(): void {
    const every = getConfig<number>(this.ctx.conf, 'nimbus.monitor.freq.secs') * 1000;
    this.timer = setInterval(() => void this.reconcileSoon(), every);
    this.subscriptions.push(this.cluster.watchSupervisors(() => void this.reconcileSoon()));
    this.subscriptions.push(
      this.cluster.watchStorms((storms) => {
        // Wake up exactly when the next kill or rebalance wait ends.
        const next = Math.min(...[...storms.values()].map((s) => s.value.transitionAtMs ?? Infinity));
        if (this.transitionTimer) clearTimeout(this.transitionTimer);
        if (next !== Infinity) this.transitionTimer = setTimeout(() => void this.reconcileSoon(), Math.max(0, next - Date.now()) + 10);
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
    await this.replicator?.stop();
    await this.ctx.leader.withdraw().catch(() => undefined);
    await this.cluster.shutdown();
  }
}
