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
// GET  /metrics                     Prometheus text: cluster gauges, per-component counters (emitted, transferred,
//                                   executed, acked, failed; all time) and latency histograms, labels topology and
//                                   component.
import { clusterMetrics, createSupervisorClient, formatPrometheus, NimbusService, PROMETHEUS_CONTENT_TYPE, SupervisorService, unaryCall, type SupervisorClient, type TlsFiles } from '@squall/protocol';
import { FORBIDDEN_CONFIG_KEYS, forbiddenKeyProblems } from '@squall/core';
import { registerDebugRoutes } from './debug-routes';
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

/** Topology ids and names, component ids: what submit accepts (no '/', no '..', nothing to escape). */
const ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/;

/**
 * The path parameter `name` when it is a well-formed id; anything else (`..`, a decoded `/`, control characters, a
 * megabyte of text) is refused here rather than passed on to nimbus or a supervisor.
 * @throws HttpError 400 naming the parameter
 */
function idParam(req: RouteRequest, name: string, what: string): string {
  const raw = req.params[name] ?? '';
  if (!ID_PATTERN.test(raw)) throw new HttpError(400, `${what} '${raw.slice(0, 100)}' is not a valid id: ids are 1 to 255 letters, digits, '_', '-' and '.', not starting with '-' or '.'`);
  return raw;
}

function waitParam(raw: string | undefined): number {
  if (raw === undefined || !/^\d+$/.test(raw)) throw new HttpError(400, `wait time must be a whole number of seconds, got '${raw ?? ''}'`);
  return Number(raw);
}

/** Largest worker or executor count a rebalance body may carry (nimbus's own limits are far lower). */
const MAX_COUNT = 2 ** 31 - 1;

interface RebalanceBody {
  rebalanceOptions?: { numWorkers?: unknown; executors?: Record<string, unknown> };
}

function parseRebalance(body: string): { numWorkers?: number; componentExecutors: Record<string, number> } {
  if (body.trim() === '') return { componentExecutors: {} };
  let parsed: RebalanceBody;
  try {
    parsed = JSON.parse(body) as RebalanceBody;
  } catch {
    throw new HttpError(400, 'rebalance body must be JSON like {"rebalanceOptions": {"numWorkers": 2, "executors": {"count": 2}}}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HttpError(400, 'rebalance body must be a JSON object like {"rebalanceOptions": {"numWorkers": 2}}');
  const o = parsed.rebalanceOptions ?? {};
  const keyProblems = forbiddenKeyProblems(parsed, 'rebalance body');
  if (keyProblems.length > 0) throw new HttpError(400, keyProblems.join('; '));
  // Null prototype: component ids are keys here, and no key may reach a prototype.
  const out: { numWorkers?: number; componentExecutors: Record<string, number> } = { componentExecutors: Object.create(null) as Record<string, number> };
  if (o.numWorkers !== undefined) {
    const w = Number(o.numWorkers);
    if (!Number.isInteger(w) || w < 1 || w > MAX_COUNT) throw new HttpError(400, `rebalanceOptions.numWorkers must be a whole number from 1 to ${MAX_COUNT}, got ${JSON.stringify(o.numWorkers)}`);
    out.numWorkers = w;
  }
  const executors = o.executors ?? {};
  if (typeof executors !== 'object' || executors === null || Array.isArray(executors)) throw new HttpError(400, `rebalanceOptions.executors must be an object of component: executors, got ${JSON.stringify(executors)}`);
  for (const [component, v] of Object.entries(executors)) {
    if (FORBIDDEN_CONFIG_KEYS.includes(component)) throw new HttpError(400, `rebalanceOptions.executors: key '${component}' is not allowed`);
    const e = Number(v);
    if (!Number.isInteger(e) || e < 1 || e > MAX_COUNT) throw new HttpError(400, `rebalanceOptions.executors.${component} must be a whole number from 1 to ${MAX_COUNT}, got ${JSON.stringify(v)}`);
    out.componentExecutors[component] = e;
  }
  return out;
}

/** The routes of the REST API (see the list at the top of this file). */
export function restRoutes(options: RestApiOptions): Router {
  const { nimbus } = options;
  /** Whether the request carries the token (always true when none is configured). */
  const authorized = (req: RouteRequest): boolean => {
    try {
      options.authorize(req);
      return true;
    } catch (err) {
      if (err instanceof HttpError && err.status === 401) return false;
      throw err;
    }
  };
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
    const id = idParam(req, 'id', 'topology');
    const json = topologyJson(await topologyInfo(id, parseWindow(req.query.get('window'))), sys);
    // A topology's configuration may hold credentials its components read: with a token set, only for its holders.
    if (!authorized(req)) return { json: { ...json, configuration: {}, configurationHidden: 'send Authorization: Bearer <nimbus.auth.token> to see the configuration' } };
    return { json };
  });
  router.add('GET', '/api/v1/topology/:id/visualization', async (req) => ({
    json: topologyJson(await topologyInfo(idParam(req, 'id', 'topology'), parseWindow(req.query.get('window'))), false).visualization,
  }));
  router.add('GET', '/api/v1/topology/:id/component/:component', async (req) => {
    const windowSecs = parseWindow(req.query.get('window'));
    const [info, summary] = await Promise.all([
      nimbus.call(NimbusService.getComponentInfo, { topology: idParam(req, 'id', 'topology'), component: idParam(req, 'component', 'component'), windowSecs }),
      nimbus.call(NimbusService.listTopologies, {}),
    ]);
    const status = statusName(summary.topologies.find((t) => t.id === info.topologyId)?.status);
    return { json: componentJson(info, status) };
  });

  // Acts on the id the name resolves to now (so the answer names the topology acted on, and a topology submitted
  // under the same name meanwhile is not touched); an unknown name goes to nimbus as is, for its 404.
  // Parameters are checked (prepare) before nimbus is asked anything.
  const action = (operation: string, prepare: (req: RouteRequest) => (id: string) => Promise<unknown>) => async (req: RouteRequest) => {
    options.authorize(req);
    const ref = idParam(req, 'id', 'topology');
    const run = prepare(req);
    const { topologies } = await nimbus.call(NimbusService.listTopologies, {});
    const live = topologies.filter((t) => statusName(t.status) !== 'KILLED');
    const id = (live.find((t) => t.id === ref) ?? live.find((t) => t.name === ref))?.id || ref;
    await run(id);
    return { json: { topologyOperation: operation, topologyId: id, status: 'success' } };
  };
  router.add('POST', '/api/v1/topology/:id/activate', action('activate', () => (name) => nimbus.call(NimbusService.activate, { name })));
  router.add('POST', '/api/v1/topology/:id/deactivate', action('deactivate', () => (name) => nimbus.call(NimbusService.deactivate, { name })));
  router.add(
    'POST',
    '/api/v1/topology/:id/rebalance/:wait',
    action('rebalance', (req) => {
      const waitSecs = waitParam(req.params.wait);
      const { numWorkers, componentExecutors } = parseRebalance(req.body);
      return (name) => nimbus.call(NimbusService.rebalance, { name, waitSecs, ...(numWorkers !== undefined ? { numWorkers } : {}), componentExecutors });
    }),
  );
  router.add(
    'POST',
    '/api/v1/topology/:id/kill/:wait',
    action('kill', (req) => {
      const waitSecs = waitParam(req.params.wait);
      return (name) => nimbus.call(NimbusService.killTopology, { name, waitSecs });
    }),
  );

  // Storm's debug and logconfig routes (debug-routes.ts).
  registerDebugRoutes(router, { nimbus, authorize: options.authorize });

  router.add('GET', '/api/v1/log', async (req) => {
    if (!authorized(req)) throw new HttpError(401, 'reading a worker log needs the header Authorization: Bearer <nimbus.auth.token>');
    const topologyId = req.query.get('topologyId') ?? '';
    const host = req.query.get('host') ?? '';
    if (!topologyId || !host) throw new HttpError(400, 'the log endpoint needs topologyId, host and port query parameters');
    if (!ID_PATTERN.test(topologyId)) throw new HttpError(400, `topologyId '${topologyId.slice(0, 100)}' is not a valid topology id`);
    if (!/^[A-Za-z0-9_.:\[\]-]{1,255}$/.test(host)) throw new HttpError(400, `host '${host.slice(0, 100)}' is not a host name or address`);
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
