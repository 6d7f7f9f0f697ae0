import type { FastifyPluginAsync } from 'fastify';
import { NimbusService } from '@squall/protocol';
import {
  ClusterSummarySchema,
  NimbusSummaryListSchema,
  responses,
  SupervisorSummaryListSchema,
  TopologySummaryListSchema,
} from '../rest-schema';
import { clusterSummaryJson, nimbusSummaryJson, supervisorSummaryJson, topologySummaryJson } from '../storm-json';
import type { RouteContext } from './route-context';

/** Storm's cluster-wide summaries (under /api/v1): cluster, nimbus, supervisor and topology summaries. */
export const clusterRoutes: FastifyPluginAsync<RouteContext> = async (app, { nimbus }) => {
  const cluster = () => nimbus.call(NimbusService.getClusterInfo, {});
  app.get('/cluster/summary', { schema: { response: responses(ClusterSummarySchema) } }, async () =>
    clusterSummaryJson(await cluster()),
  );
  app.get('/nimbus/summary', { schema: { response: responses(NimbusSummaryListSchema) } }, async () =>
    nimbusSummaryJson(await cluster()),
  );
  app.get('/supervisor/summary', { schema: { response: responses(SupervisorSummaryListSchema) } }, async () =>
    supervisorSummaryJson(await cluster()),
  );
  app.get('/topology/summary', { schema: { response: responses(TopologySummaryListSchema) } }, async () => {
    const res = await nimbus.call(NimbusService.listTopologies, {});
    return { topologies: res.topologies.map(topologySummaryJson) };
  });
};
