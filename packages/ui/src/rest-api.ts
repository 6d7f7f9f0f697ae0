// The UI daemon's REST API: Storm UI's endpoints and JSON field names (docs/STORM-UI-REST-API.md in apache/storm),
// served from nimbus's gRPC API. Counts are exact (no sampling); latencies and capacity are strings with 3 decimals
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
//                                   → {topologyOperation, topologyId, status: "success"}. Rebalance takes an optional
//                                   JSON body {"rebalanceOptions": {"numWorkers": 2, "executors": {"count": 4}}}.
//                                   With nimbus.auth.token set, callers must send `Authorization: Bearer <token>`.
// GET  /api/v1/log?topologyId=&host=&port=&start=&length=
//                                   a page of a worker's log from its supervisor: {topologyId, host, port, data,
//                                   start, length, fileSize}; start is a byte offset, negative counts from the end
//                                   (tail); length defaults to 65536 and is capped at 1 MiB by the supervisor.
// GET  /metrics                     Prometheus text: cluster gauges, per-component counters (emitted, transferred,
//                                   executed, acked, failed; all time) and latency histograms, labels topology and
//                                   component.
import { clusterMetrics, createSupervisorClient, formatPrometheus, NimbusService, PROMETHEUS_CONTENT_TYPE, SupervisorService, unaryCall, type SupervisorClient, type TlsFiles } from '@squall/protocol';
import { HttpError } from './errors';
import type { NimbusGateway } from './nimbus-gateway';
import { Router, type RouteRequest } from './router';
import { clusterSummaryJson, componentJson, nimbusSummaryJson, parseWindow, statusName, supervisorSummaryJson, topologyJson, topologySummaryJson } from './storm-json';

/** Default and largest page of the log endpoint, bytes. */
const LOG_PAGE_BYTES = 64 * 1024;

/** What the REST handlers need besides nimbus. */
export interface RestApiOptions {
  nimbus: NimbusGateway;
  /** Checks a POST's credentials; throws HttpError 401 when they are missing or wrong. */
  authorize(req: RouteRequest): void;
  /** Supervisor gRPC clients by "host:port", reused across requests. */
  supervisors: Map<string, SupervisorClient>;
  /** TLS for supervisor connections (`squall.tls.*`). @default undefined: plaintext */
  tls?: TlsFiles;
  /** `squall.cluster.secret`: supervisors serve logs only to holders of the cluster credential. @default undefined */
  clusterSecret?: string;
}

function intParam(query: URLSearchParams, name: string, fallback: number | undefined, min: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') {
    if (fallback === undefined) throw new HttpError(400, `missing query parameter '${name}'`);
    return fallback;
  }
  if (!/^-?\d+$/.test(raw) || Number(raw) < min) throw new HttpError(400, `query parameter '${name}' must be an integer${min > -Infinity ? ` >= ${min}` : ''}, got '${raw}'`);
  return Number(raw);
}

function waitParam(raw: string | undefined): number {
  if (raw === undefined || !/^\d+$/.test(raw)) throw new HttpError(400, `wait time must be a whole number of seconds, got '${raw ?? ''}'`);
  return Number(raw);
}

interface RebalanceBody {
  rebalanceOptions?: { numWorkers?: unknown; executors?: Record<string, unknown> };
}

function parseRebalance(body: string): { numWorkers?: number; componentExecutors: Record<string, number> } {
  if (body.trim() === '') return { componentExecutors: {} };
  let parsed: RebalanceBody;
  try {
    parsed = JSON.parse(body) as RebalanceBody;
  } catch {
    throw new HttpError(400, 'rebalance body must be JSON like {"rebalanceOptions": {"numWorkers": 2, "executors": {"count": 4}}}');
  }
  const o = parsed.rebalanceOptions ?? {};
  const out: { numWorkers?: number; componentExecutors: Record<string, number> } = { componentExecutors: {} };
  if (o.numWorkers !== undefined) {
    const w = Number(o.numWorkers);
    if (!Number.isInteger(w) || w < 1) throw new HttpError(400, `rebalanceOptions.numWorkers must be a whole number >= 1, got ${JSON.stringify(o.numWorkers)}`);
    out.numWorkers = w;
  }
  for (const [component, v] of Object.entries(o.executors ?? {})) {
    const e = Number(v);
    if (!Number.isInteger(e) || e < 1) throw new HttpError(400, `rebalanceOptions.executors.${component} must be a whole number >= 1, got ${JSON.stringify(v)}`);
    out.componentExecutors[component] = e;
  }
  return out;
}

/** The routes of the REST API (see the list at the top of this file). */
export function restRoutes(options: RestApiOptions): Router {
  const { nimbus } = options;
  const router = new Router();
  const cluster = () => nimbus.call(NimbusService.getClusterInfo, {});
  const topologyInfo = (idOrName: string, windowSecs: number) => nimbus.call(NimbusService.getTopologyInfo, { idOrName, windowSecs });

  router.add('GET', '/api/v1/cluster/summary', async () => ({ json: clusterSummaryJson(await cluster()) }));
  router.add('GET', '/api/v1/nimbus/summary', async () => ({ json: nimbusSummaryJson(await cluster()) }));
  router.add('GET', '/api/v1/supervisor/summary', async () => ({ json: supervisorSummaryJson(await cluster()) }));
  router.add('GET', '/api/v1/topology/summary', async () => {
    const res = await nimbus.call(NimbusService.listTopologies, {});
    return { json: { topologies: res.topologies.map(topologySummaryJson) } };
  });
  router.add('GET', '/api/v1/topology/:id', async (req) => {
    const sys = req.query.get('sys') === '1' || req.query.get('sys') === 'true';
    return { json: topologyJson(await topologyInfo(req.params.id!, parseWindow(req.query.get('window'))), sys) };
  });
  router.add('GET', '/api/v1/topology/:id/visualization', async (req) => ({
    json: topologyJson(await topologyInfo(req.params.id!, parseWindow(req.query.get('window'))), false).visualization,
  }));
  router.add('GET', '/api/v1/topology/:id/component/:component', async (req) => {
    const windowSecs = parseWindow(req.query.get('window'));
    const [info, summary] = await Promise.all([
      nimbus.call(NimbusService.getComponentInfo, { topology: req.params.id!, component: req.params.component!, windowSecs }),
      nimbus.call(NimbusService.listTopologies, {}),
    ]);
    const status = statusName(summary.topologies.find((t) => t.id === info.topologyId)?.status);
    return { json: componentJson(info, status) };
  });

  const action = (operation: string, run: (req: RouteRequest, name: string) => Promise<unknown>) => async (req: RouteRequest) => {
    options.authorize(req);
    const name = req.params.id!;
    await run(req, name);
    return { json: { topologyOperation: operation, topologyId: name, status: 'success' } };
  };
  router.add('POST', '/api/v1/topology/:id/activate', action('activate', (_req, name) => nimbus.call(NimbusService.activate, { name })));
  router.add('POST', '/api/v1/topology/:id/deactivate', action('deactivate', (_req, name) => nimbus.call(NimbusService.deactivate, { name })));
  router.add(
    'POST',
    '/api/v1/topology/:id/rebalance/:wait',
    action('rebalance', (req, name) => {
      const waitSecs = waitParam(req.params.wait);
      const { numWorkers, componentExecutors } = parseRebalance(req.body);
      return nimbus.call(NimbusService.rebalance, { name, waitSecs, ...(numWorkers !== undefined ? { numWorkers } : {}), componentExecutors });
    }),
  );
  router.add('POST', '/api/v1/topology/:id/kill/:wait', action('kill', (req, name) => nimbus.call(NimbusService.killTopology, { name, waitSecs: waitParam(req.params.wait) })));

  router.add('GET', '/api/v1/log', async (req) => {
    const topologyId = req.query.get('topologyId') ?? '';
    const host = req.query.get('host') ?? '';
    if (!topologyId || !host) throw new HttpError(400, 'the log endpoint needs topologyId, host and port query parameters');
    const port = intParam(req.query, 'port', undefined, 1);
    const start = intParam(req.query, 'start', -LOG_PAGE_BYTES, -Infinity);
    const length = intParam(req.query, 'length', LOG_PAGE_BYTES, 0);
    const [info, clusterInfo] = await Promise.all([topologyInfo(topologyId, 0), cluster()]);
    const worker = info.workers.find((w) => w.host === host && w.port === port);
    if (!worker) throw new HttpError(404, `topology ${topologyId} has no worker on ${host}:${port}`);
    const sup = clusterInfo.supervisors.find((s) => s.id === worker.supervisorId);
    if (!sup?.servicePort) throw new HttpError(502, `supervisor ${worker.supervisorId} of ${host}:${port} has not told nimbus its service port yet`);
    const address = `${sup.host}:${sup.servicePort}`;
    let client = options.supervisors.get(address);
    if (!client) options.supervisors.set(address, (client = createSupervisorClient(address, { tls: options.tls, clusterSecret: options.clusterSecret })));
    const res = await unaryCall(client, SupervisorService.getWorkerLog, { topologyId: info.summary?.id ?? topologyId, port, offset: start, length }, { deadline: Date.now() + 10000 }).catch((err: { details?: string; message?: string }) => {
      throw new HttpError(502, `supervisor at ${address} did not return the log: ${err.details || err.message}`);
    });
    const data = Buffer.from(res.data);
    return { json: { topologyId: info.summary?.id ?? topologyId, host, port, data: data.toString('utf8'), start: Number(res.offset), length: data.length, fileSize: Number(res.fileSize) } };
  });

  router.add('GET', '/metrics', async () => {
    const c = await cluster();
    const infos = await Promise.all(c.topologies.map((t) => topologyInfo(t.id ?? '', 0).catch(() => undefined)));
    return { text: formatPrometheus(clusterMetrics(c, infos.filter((i) => i !== undefined))), contentType: PROMETHEUS_CONTENT_TYPE };
  });
  return router;
}
