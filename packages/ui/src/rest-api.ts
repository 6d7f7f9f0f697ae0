// The UI daemon's REST API: Storm UI's endpoints and JSON field names (docs/STORM-UI-REST-API.md in apache/storm),
// served from nimbus's gRPC API (route groups in routes/, one file each; the JSON schemas in rest-schema.ts). Counts are exact (no sampling); latencies and capacity are strings with 3 decimals
// as in Storm. Errors are `{"error": "<status text>", "errorMessage": "..."}` with the HTTP status: 400 bad
// parameter, 401 missing/wrong token, 404 unknown topology/component, 405 wrong method, 502 nimbus unreachable.
//
// GET  /api/v1/cluster/summary      stormVersion, nimbusUptime, nimbusUptimeSeconds, supervisors, topologies,
//                                   slotsTotal, slotsUsed, slotsFree, executorsTotal, tasksTotal
// GET  /api/v1/nimbus/summary       nimbuses[{host, port, status ("Leader" | "Not a Leader"), version, nimbusUpTime,
//                                   nimbusUpTimeSeconds}]
// GET  /api/v1/supervisor/summary   supervisors[{id, host, uptime, uptimeSeconds, slotsTotal, slotsUsed, slotsFree,
//                                   version}], schedulerDisplayResource
// GET  /api/v1/topology/summary     topologies[{id, encodedId, owner, name, status, uptime, uptimeSeconds, tasksTotal,
//                                   workersTotal, executorsTotal, replicationCount}]
// GET  /api/v1/topology/:id?window=600|10800|86400|:all-time&sys=1
//                                   the summary fields plus msgTimeout, window, windowHint, debug,
//                                   topologyStats[{windowPretty, window, emitted, transferred, completeLatency, acked,
//                                   failed}] (all four windows),
//                                   spouts[{spoutId, encodedSpoutId, executors, tasks, emitted, transferred,
//                                   completeLatency, acked, failed, lastError, errorHost, errorPort, errorTime,
//                                   errorLapsedSecs, errorWorkerLogLink}],
//                                   bolts[{boltId, encodedBoltId, executors, tasks, emitted, transferred, capacity,
//                                   executeLatency, executed, processLatency, acked, failed, lastError, ...}] (sys=1 adds
//                                   __acker), workers[{topologyName, topologyId, host, supervisorId, port, status,
//                                   uptime, uptimeSeconds, executorsTotal, componentNumTasks, workerLogLink}],
//                                   configuration{}; Squall adds edges[{source, target, stream, grouping, executed}],
//                                   visualization (Storm's /visualization shape) and errors[] (as componentErrors).
//                                   :id is a topology id or the name of a running topology.
// GET  /api/v1/topology/:id/visualization   component id → {":type", ":capacity", ":latency", ":transferred", ":inputs"}
// GET  /api/v1/topology/:id/component/:component?window=
//                                   id, encodedId, name, topologyId, encodedTopologyId, topologyStatus, componentType
//                                   ("spout" | "bolt"), executors, tasks, window, windowHint,
//                                   spoutSummary[window rows] or boltStats[window rows + executed, executeLatency,
//                                   processLatency, capacity], outputStats[{stream, emitted, transferred,
//                                   (spouts:) completeLatency, acked, failed}], inputStats[{component,
//                                   encodedComponentId, stream, executeLatency, processLatency, executed, acked,
//                                   failed}] (bolts), executorStats[{id "[start-end]", encodedId, uptime,
//                                   uptimeSeconds, host, port, emitted, transferred, acked, failed, workerLogLink,
//                                   (spouts:) completeLatency | (bolts:) capacity, executeLatency, executed,
//                                   processLatency}], componentErrors[{error, time (ms), errorTime (s), errorHost,
//                                   errorPort, errorLapsedSecs, errorWorkerLogLink, component, task}]
// POST /api/v1/topology/:id/activate | /deactivate | /rebalance/:wait | /kill/:wait
//                                   → {topologyOperation, topologyId (the id acted on, also when a name was given),
//                                   status: "success"}. Rebalance takes an optional JSON body {"rebalanceOptions":
//                                   {"numWorkers": 2, "executors": {"count": 2}}}; a component's executors are 1 to its
//                                   task count. Refused with 403 when sent from another origin (Sec-Fetch-Site /
//                                   Origin); with nimbus.auth.token set, callers must send `Authorization: Bearer <token>`.
// GET  /api/v1/log?topologyId=&host=&port=&start=&length=
//                                   a page of a worker's log from its supervisor: {topologyId, host, port, data,
//                                   start, length, fileSize}; start is a byte offset, negative counts from the end
//                                   (tail); length defaults to 65536 and is capped at 1 MiB by the supervisor. Needs the
//                                   token when one is set; so does the topology's `configuration` (left empty without).
// POST /api/v1/topology/:id/debug/:action/:spct, /api/v1/topology/:id/component/:component/debug/:action/:spct,
//      /api/v1/topology/:id/logconfig
//                                   Storm's debug sampling switch and log levels (routes/debug-routes.ts); token.
// GET  /api/v1/topology/:id/component/:component/tap?stream=&sample=&filter=FIELD=VALUE
//                                   live tapped tuples as server-sent events (routes/tap-routes.ts); token.
// GET  /metrics                     Prometheus text: cluster gauges, per-component counters (emitted, transferred,
//                                   executed, acked, failed; all time) and latency histograms, labels topology and
//                                   component.
import type { FastifyPluginAsync } from 'fastify';
import { actionRoutes } from './routes/action-routes';
import { clusterRoutes } from './routes/cluster-routes';
import { debugRoutes } from './routes/debug-routes';
import { logRoutes } from './routes/log-routes';
import { metricsRoutes } from './routes/metrics-routes';
import type { RouteContext } from './routes/route-context';
import { tapRoutes } from './routes/tap-routes';
import { topologyRoutes } from './routes/topology-routes';

export type { RouteContext } from './routes/route-context';

/** Where Storm's REST API lives. */
export const API_PREFIX = '/api/v1';

/**
 * The routes of the REST API and /metrics (see the list at the top of this file), as a Fastify plugin. A new group of
 * routes is a file in routes/ exporting a `FastifyPluginAsync<RouteContext>`, registered here with one line; its
 * routes declare their response schema (rest-schema.ts) and, when they change state or reveal user data,
 * `onRequest: requireToken(ctx)`. A streaming answer (server-sent events) writes to `reply.raw` after
 * `reply.hijack()`; the security headers are already set on it by then.
 */
export const restApi: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  await app.register(clusterRoutes, { ...ctx, prefix: API_PREFIX });
  await app.register(topologyRoutes, { ...ctx, prefix: API_PREFIX });
  await app.register(actionRoutes, { ...ctx, prefix: API_PREFIX });
  await app.register(logRoutes, { ...ctx, prefix: API_PREFIX });
  await app.register(debugRoutes, { ...ctx, prefix: API_PREFIX });
  await app.register(tapRoutes, { ...ctx, prefix: API_PREFIX });
  await app.register(metricsRoutes, ctx);
};
