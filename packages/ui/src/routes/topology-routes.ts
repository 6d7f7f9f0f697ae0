import type { FastifyPluginAsync } from 'fastify';
import { NimbusService } from '@squall/protocol';
import {
  ComponentPageSchema,
  responses,
  TopologyPageSchema,
  VisualizationSchema,
  type TopologyPage,
} from '../rest-schema';
import { componentJson, parseWindow, statusName, topologyJson } from '../storm-json';
import { authorized, idParam, queryValue, type RouteContext } from './route-context';

/** One topology's pages (under /api/v1): the topology document, its visualization, and a component's document. */
export const topologyRoutes: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  const { nimbus } = ctx;
  const topologyInfo = (idOrName: string, windowSecs: number) =>
    nimbus.call(NimbusService.getTopologyInfo, { idOrName, windowSecs });

  app.get(
    '/topology/:id',
    { schema: { response: responses(TopologyPageSchema) } },
    async (req): Promise<TopologyPage> => {
      const sys = queryValue(req.query, 'sys') === '1' || queryValue(req.query, 'sys') === 'true';
      const id = idParam(req.params, 'id', 'topology');
      const json = topologyJson(await topologyInfo(id, parseWindow(queryValue(req.query, 'window'))), sys);
      // A topology's configuration may hold credentials its components read: with a token set, only for its holders.
      if (!authorized(ctx, req))
        return {
          ...json,
          configuration: {},
          configurationHidden: 'send Authorization: Bearer <nimbus.auth.token> to see the configuration',
        };
      return json;
    },
  );
  app.get('/topology/:id/visualization', { schema: { response: responses(VisualizationSchema) } }, async (req) => {
    const info = await topologyInfo(
      idParam(req.params, 'id', 'topology'),
      parseWindow(queryValue(req.query, 'window')),
    );
    return topologyJson(info, false).visualization;
  });
  app.get(
    '/topology/:id/component/:component',
    { schema: { response: responses(ComponentPageSchema) } },
    async (req) => {
      const windowSecs = parseWindow(queryValue(req.query, 'window'));
      const [info, summary] = await Promise.all([
        nimbus.call(NimbusService.getComponentInfo, {
          topology: idParam(req.params, 'id', 'topology'),
          component: idParam(req.params, 'component', 'component'),
          windowSecs,
        }),
        nimbus.call(NimbusService.listTopologies, {}),
      ]);
      const status = statusName(summary.topologies.find((t) => t.id === info.topologyId)?.status);
      return componentJson(info, status);
    },
  );
};
