import type { FastifyPluginAsync } from 'fastify';
import { NimbusService } from '@squall/protocol';
import { MetricsExposition, PROMETHEUS_CONTENT_TYPE } from '@squall/stats/prometheus';
import type { RouteContext } from './route-context';

/** `GET /metrics`: Prometheus text of the cluster, from nimbus (a topology that cannot be read is left out). */
export const metricsRoutes: FastifyPluginAsync<RouteContext> = async (app, { nimbus }) => {
  const metrics = new MetricsExposition();
  app.get('/metrics', async (_req, reply) => {
    const c = await nimbus.call(NimbusService.getClusterInfo, {});
    const infos = await Promise.all(
      c.topologies.map((t) =>
        nimbus.call(NimbusService.getTopologyInfo, { idOrName: t.id ?? '', windowSecs: 0 }).catch(() => undefined),
      ),
    );
    return reply.type(PROMETHEUS_CONTENT_TYPE).send(
      await metrics.text(
        c,
        infos.filter((i) => i !== undefined),
      ),
    );
  });
};
