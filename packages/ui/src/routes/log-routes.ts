import type { FastifyPluginAsync } from 'fastify';
import { createSupervisorClient, NimbusService, SupervisorService, unaryCall } from '@squall/protocol';
import { HttpError } from '../errors';
import { LogPageSchema, responses, type LogPage } from '../rest-schema';
import { authorized, ID_PATTERN, intParam, queryValue, type RouteContext } from './route-context';

/** Default and largest page of the log endpoint, bytes. */
const LOG_PAGE_BYTES = 64 * 1024;

/** `GET /api/v1/log`: a page of a worker's log, fetched from its supervisor; needs the token when one is set. */
export const logRoutes: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  const { nimbus } = ctx;
  app.get('/log', { schema: { response: responses(LogPageSchema) } }, async (req): Promise<LogPage> => {
    if (!authorized(ctx, req))
      throw new HttpError(401, 'reading a worker log needs the header Authorization: Bearer <nimbus.auth.token>');
    const topologyId = queryValue(req.query, 'topologyId') ?? '';
    const host = queryValue(req.query, 'host') ?? '';
    if (!topologyId || !host)
      throw new HttpError(400, 'the log endpoint needs topologyId, host and port query parameters');
    if (!ID_PATTERN.test(topologyId))
      throw new HttpError(400, `topologyId '${topologyId.slice(0, 100)}' is not a valid topology id`);
    if (!/^[A-Za-z0-9_.:\[\]-]{1,255}$/.test(host))
      throw new HttpError(400, `host '${host.slice(0, 100)}' is not a host name or address`);
    const port = intParam(req.query, 'port', undefined, 1);
    const start = intParam(req.query, 'start', -LOG_PAGE_BYTES, -Infinity);
    const length = intParam(req.query, 'length', LOG_PAGE_BYTES, 0);
    const [info, clusterInfo] = await Promise.all([
      nimbus.call(NimbusService.getTopologyInfo, { idOrName: topologyId, windowSecs: 0 }),
      nimbus.call(NimbusService.getClusterInfo, {}),
    ]);
    const worker = info.workers.find((w) => w.host === host && w.port === port);
    if (!worker) throw new HttpError(404, `topology ${topologyId} has no worker on ${host}:${port}`);
    const sup = clusterInfo.supervisors.find((s) => s.id === worker.supervisorId);
    if (!sup?.servicePort)
      throw new HttpError(
        502,
        `supervisor ${worker.supervisorId} of ${host}:${port} has not told nimbus its service port yet`,
      );
    const address = `${sup.host}:${sup.servicePort}`;
    let client = ctx.supervisors.get(address);
    if (!client)
      ctx.supervisors.set(
        address,
        (client = createSupervisorClient(address, { tls: ctx.tls, clusterSecret: ctx.clusterSecret })),
      );
    const res = await unaryCall(
      client,
      SupervisorService.getWorkerLog,
      { topologyId: info.summary?.id ?? topologyId, port, offset: start, length },
      { deadline: Date.now() + 10000 },
    ).catch((err: { details?: string; message?: string }) => {
      throw new HttpError(502, `supervisor at ${address} did not return the log: ${err.details || err.message}`);
    });
    const data = Buffer.from(res.data);
    return {
      topologyId: info.summary?.id ?? topologyId,
      host,
      port,
      data: data.toString('utf8'),
      start: Number(res.offset),
      length: data.length,
      fileSize: Number(res.fileSize),
    };
  });
};
