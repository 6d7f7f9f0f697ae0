import type { Server } from 'node:http';
import { createGuardedServer, HttpRequestError } from '@squall/core';
import type { pb } from '@squall/protocol';
import { addGauge, MetricsExposition, PROMETHEUS_CONTENT_TYPE } from '@squall/stats/prometheus';
import { clusterInfo, topologyInfo } from './info-builder';
import type { NimbusContext } from './nimbus-context';

/**
 * Nimbus's Prometheus endpoint (`GET /metrics` on nimbus.host:nimbus.metrics.port): the same metrics as the UI's
 * /metrics, built from the same info this nimbus serves over gRPC, plus whether it leads. Statistics are held by the
 * leader (supervisors heartbeat to it); a standby reports cluster gauges and zero counters.
 */
export class MetricsServer {
  private constructor(
    private readonly server: Server,
    /** The bound port. */
    readonly port: number,
  ) {}

  /** Binds `host:port` (0 picks a free port). */
  static async create(ctx: NimbusContext, host: string, port: number): Promise<MetricsServer> {
    // Guarded: a malformed request (`GET // HTTP/1.1`, a huge header, a handler failure) gets an error answer and
    // nimbus carries on.
    const metrics = new MetricsExposition();
    const server = createGuardedServer(
      async (req, res, { pathname }) => {
        if ((req.method !== 'GET' && req.method !== 'HEAD') || pathname !== '/metrics') {
          res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
          return void res.end('nimbus serves only GET /metrics here\n');
        }
        const text = await metricsText(ctx, metrics).catch((err: unknown) => {
          ctx.log.warn({ err }, `metrics failed: ${(err as Error).message}`);
          throw new HttpRequestError(500, `metrics failed: ${(err as Error).message}`);
        });
        res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      { name: 'nimbus metrics', logger: ctx.log },
    );
    const bound = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const a = server.address();
        resolve(typeof a === 'object' && a ? a.port : 0);
      });
    });
    ctx.log.info({ metricsPort: bound }, `nimbus metrics on http://${host}:${bound}/metrics`);
    return new MetricsServer(server, bound);
  }

  /** Stops serving. */
  async shutdown(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}

async function metricsText(ctx: NimbusContext, metrics: MetricsExposition): Promise<string> {
  const cluster = await clusterInfo(ctx);
  const infos: pb.ITopologyInfo[] = [];
  for (const t of cluster.topologies ?? []) {
    const info = await topologyInfo(ctx, t.id ?? '', 0).catch(() => undefined);
    if (info) infos.push(info);
  }
  return metrics.text(cluster, infos, (registry) =>
    addGauge(registry, 'squall_nimbus_is_leader', '1 when this nimbus is the leader, else 0.', [
      { labels: { nimbus: ctx.address }, value: ctx.leader.isLeader() ? 1 : 0 },
    ]),
  );
}
