import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';

// The REST contract of the UI daemon, written once: JSON schemas (TypeBox) of every document the API answers with.
// The server registers them as Fastify response schemas (serialization follows them) and storm-json.ts returns their
// static types, so a field added there without being added here fails to compile; the web app imports the same types
// (`import type`, erased from its bundle), so it cannot read a field the server does not send. Field order follows
// Storm's documents (STORM-UI-REST-API.md in apache/storm); the serializer writes fields in schema order.

/** An object schema that refuses fields it does not list (so a test's schema check catches any drift). */
const Strict = <T extends TProperties>(properties: T, description?: string): TObject<T> =>
  Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });

const Num = Type.Number();
const Str = Type.String();
/** Latencies and capacity: Storm writes them as strings with 3 decimals ("0.048"). */
const Fixed3 = Type.String({ description: 'a number with 3 decimals, as Storm writes latencies and capacity' });
const NumOrNull = Type.Union([Type.Number(), Type.Null()]);

/** Storm UI's error document, sent with every 4xx and 5xx answer of the API. */
export const ErrorBodySchema = Strict({ error: Str, errorMessage: Str }, "Storm UI's error document");
export type ErrorBody = Static<typeof ErrorBodySchema>;

/** `GET /api/v1/cluster/summary`. */
export const ClusterSummarySchema = Strict({
  stormVersion: Str,
  nimbusUptime: Str,
  nimbusUptimeSeconds: Num,
  supervisors: Num,
  topologies: Num,
  slotsTotal: Num,
  slotsUsed: Num,
  slotsFree: Num,
  executorsTotal: Num,
  tasksTotal: Num,
});
export type ClusterSummary = Static<typeof ClusterSummarySchema>;

/** One entry of `GET /api/v1/nimbus/summary`. */
export const NimbusSummarySchema = Strict({
  host: Str,
  port: Num,
  status: Str,
  version: Str,
  nimbusUpTime: Str,
  nimbusUpTimeSeconds: Num,
});
export type NimbusSummary = Static<typeof NimbusSummarySchema>;
/** `GET /api/v1/nimbus/summary`. */
export const NimbusSummaryListSchema = Strict({ nimbuses: Type.Array(NimbusSummarySchema) });
export type NimbusSummaryList = Static<typeof NimbusSummaryListSchema>;

/** One entry of `GET /api/v1/supervisor/summary`. */
export const SupervisorSummarySchema = Strict({
  id: Str,
  host: Str,
  uptime: Str,
  uptimeSeconds: Num,
  slotsTotal: Num,
  slotsUsed: Num,
  slotsFree: Num,
  version: Str,
});
export type SupervisorSummary = Static<typeof SupervisorSummarySchema>;
/** `GET /api/v1/supervisor/summary`. */
export const SupervisorSummaryListSchema = Strict({
  supervisors: Type.Array(SupervisorSummarySchema),
  schedulerDisplayResource: Type.Boolean(),
});
export type SupervisorSummaryList = Static<typeof SupervisorSummaryListSchema>;

const topologySummaryFields = {
  id: Str,
  encodedId: Str,
  owner: Str,
  name: Str,
  status: Str,
  uptime: Str,
  uptimeSeconds: Num,
  tasksTotal: Num,
  workersTotal: Num,
  executorsTotal: Num,
  replicationCount: Num,
};
/** One entry of `GET /api/v1/topology/summary`. */
export const TopologySummarySchema = Strict(topologySummaryFields);
export type TopologySummary = Static<typeof TopologySummarySchema>;
/** `GET /api/v1/topology/summary`. */
export const TopologySummaryListSchema = Strict({ topologies: Type.Array(TopologySummarySchema) });
export type TopologySummaryList = Static<typeof TopologySummaryListSchema>;

const windowRowFields = {
  windowPretty: Str,
  window: Str,
  emitted: Num,
  transferred: Num,
  completeLatency: Fixed3,
  acked: Num,
  failed: Num,
};
/** Storm's per-window row: `topologyStats` and `spoutSummary` entries. */
export const WindowStatsSchema = Strict(windowRowFields);
export type WindowStats = Static<typeof WindowStatsSchema>;
/** `boltStats` entries: the window row plus Storm's bolt fields. */
export const BoltWindowStatsSchema = Strict({
  ...windowRowFields,
  executed: Num,
  executeLatency: Fixed3,
  processLatency: Fixed3,
  capacity: Fixed3,
});
export type BoltWindowStats = Static<typeof BoltWindowStatsSchema>;

const lastErrorFields = {
  lastError: Str,
  errorHost: Str,
  errorPort: NumOrNull,
  errorWorkerLogLink: Str,
  errorTime: NumOrNull,
  errorLapsedSecs: NumOrNull,
};
/** The last error Storm attaches to each spout and bolt row (empty strings and nulls when there is none). */
export const LastErrorSchema = Strict(lastErrorFields);
export type LastError = Static<typeof LastErrorSchema>;

/** A `spouts` entry of the topology document. */
export const SpoutRowSchema = Strict({
  spoutId: Str,
  encodedSpoutId: Str,
  executors: Num,
  tasks: Num,
  emitted: Num,
  transferred: Num,
  completeLatency: Fixed3,
  acked: Num,
  failed: Num,
  ...lastErrorFields,
});
export type SpoutRow = Static<typeof SpoutRowSchema>;

/** A `bolts` entry of the topology document. */
export const BoltRowSchema = Strict({
  boltId: Str,
  encodedBoltId: Str,
  executors: Num,
  tasks: Num,
  emitted: Num,
  transferred: Num,
  capacity: Fixed3,
  executeLatency: Fixed3,
  executed: Num,
  processLatency: Fixed3,
  acked: Num,
  failed: Num,
  ...lastErrorFields,
});
export type BoltRow = Static<typeof BoltRowSchema>;

/** A `componentErrors` / `errors` entry: Storm's fields plus component and task; `time` in ms, `errorTime` in s. */
export const ErrorEntrySchema = Strict({
  component: Str,
  task: Num,
  error: Str,
  time: Num,
  errorTime: Num,
  errorHost: Str,
  errorPort: Num,
  errorLapsedSecs: Num,
  errorWorkerLogLink: Str,
});
export type ErrorEntry = Static<typeof ErrorEntrySchema>;

/** Squall: one subscription of the topology graph; `executed` counts tuples the target took from it, all time. */
export const GraphEdgeSchema = Strict({ source: Str, target: Str, stream: Str, grouping: Str, executed: Num });
export type GraphEdge = Static<typeof GraphEdgeSchema>;

/** A node of Storm's `/visualization` document. */
export const VisualizationNodeSchema = Strict({
  ':type': Str,
  ':capacity': Num,
  ':latency': Num,
  ':transferred': Num,
  ':inputs': Type.Array(Strict({ ':component': Str, ':stream': Str, ':sani-stream': Str, ':grouping': Str })),
});
export type VisualizationNode = Static<typeof VisualizationNodeSchema>;
/** `GET /api/v1/topology/:id/visualization`: component id → node. */
export const VisualizationSchema = Type.Record(Str, VisualizationNodeSchema);
export type Visualization = Static<typeof VisualizationSchema>;

/** A `workers` entry of the topology document. */
export const WorkerSummarySchema = Strict({
  topologyName: Str,
  topologyId: Str,
  host: Str,
  supervisorId: Str,
  port: Num,
  status: Str,
  uptime: Str,
  uptimeSeconds: Num,
  executorsTotal: Num,
  componentNumTasks: Type.Record(Str, Num),
  workerLogLink: Str,
});
export type WorkerSummary = Static<typeof WorkerSummarySchema>;

/** `GET /api/v1/topology/:id`: the summary fields plus Storm's topology page; Squall adds edges, visualization, errors. */
export const TopologyPageSchema = Strict({
  ...topologySummaryFields,
  msgTimeout: Num,
  window: Str,
  windowHint: Str,
  schedulerDisplayResource: Type.Boolean(),
  debug: Type.Boolean(),
  /** Percentage of emits sampled to the event log while debug is on (Storm's samplingPct). */
  samplingPct: Num,
  topologyStats: Type.Array(WindowStatsSchema),
  spouts: Type.Array(SpoutRowSchema),
  bolts: Type.Array(BoltRowSchema),
  workers: Type.Array(WorkerSummarySchema),
  edges: Type.Array(GraphEdgeSchema),
  visualization: VisualizationSchema,
  errors: Type.Array(ErrorEntrySchema),
  configuration: Type.Record(Str, Type.Unknown()),
  /** Set (and `configuration` empty) when a token is configured and the request did not carry it. */
  configurationHidden: Type.Optional(Str),
});
export type TopologyPage = Static<typeof TopologyPageSchema>;

/** An `outputStats` entry; spouts add completeLatency, acked and failed. */
export const OutputStatSchema = Strict({
  stream: Str,
  emitted: Num,
  transferred: Num,
  completeLatency: Type.Optional(Fixed3),
  acked: Type.Optional(Num),
  failed: Type.Optional(Num),
});
export type OutputStat = Static<typeof OutputStatSchema>;

/** An `inputStats` entry (bolts). */
export const InputStatSchema = Strict({
  component: Str,
  encodedComponentId: Str,
  stream: Str,
  executeLatency: Fixed3,
  processLatency: Fixed3,
  executed: Num,
  acked: Num,
  failed: Num,
});
export type InputStat = Static<typeof InputStatSchema>;

/** An `executorStats` entry; spouts add completeLatency, bolts capacity, executeLatency, executed and processLatency. */
export const ExecutorStatSchema = Strict({
  id: Str,
  encodedId: Str,
  uptime: Str,
  uptimeSeconds: Num,
  host: Str,
  port: Num,
  emitted: Num,
  transferred: Num,
  acked: Num,
  failed: Num,
  workerLogLink: Str,
  completeLatency: Type.Optional(Fixed3),
  capacity: Type.Optional(Fixed3),
  executeLatency: Type.Optional(Fixed3),
  executed: Type.Optional(Num),
  processLatency: Type.Optional(Fixed3),
});
export type ExecutorStat = Static<typeof ExecutorStatSchema>;

/** Latency percentiles in ms from the component's histograms (all time): p50, p99 and the largest seen. */
const PercentilesSchema = Strict({ p50: Num, p99: Num, max: Num });

/** `GET /api/v1/topology/:id/component/:component`: spouts carry spoutSummary, bolts boltStats and inputStats. */
export const ComponentPageSchema = Strict({
  id: Str,
  encodedId: Str,
  name: Str,
  topologyId: Str,
  encodedTopologyId: Str,
  topologyStatus: Str,
  componentType: Type.Union([Type.Literal('spout'), Type.Literal('bolt')]),
  executors: Num,
  tasks: Num,
  window: Str,
  windowHint: Str,
  debug: Type.Boolean(),
  /** Percentage of emits sampled to the event log while debug is on (Storm's samplingPct). */
  samplingPct: Num,
  spoutSummary: Type.Optional(Type.Array(WindowStatsSchema)),
  boltStats: Type.Optional(Type.Array(BoltWindowStatsSchema)),
  outputStats: Type.Array(OutputStatSchema),
  inputStats: Type.Optional(Type.Array(InputStatSchema)),
  executorStats: Type.Array(ExecutorStatSchema),
  latencyPercentilesMs: Strict({ complete: PercentilesSchema, process: PercentilesSchema, execute: PercentilesSchema }),
  componentErrors: Type.Array(ErrorEntrySchema),
});
export type ComponentPage = Static<typeof ComponentPageSchema>;

/** The answer of Storm's debug routes (`.../debug/:action/:spct`). */
export const DebugResultSchema = Strict({
  topologyOperation: Str,
  topologyId: Str,
  component: Type.Optional(Str),
  debug: Type.Boolean(),
  samplingPct: Num,
  status: Str,
});
export type DebugResult = Static<typeof DebugResultSchema>;

/** The answer of Storm's `POST /api/v1/topology/:id/logconfig`: each logger's new level, null where it was reset. */
export const LogConfigResultSchema = Strict({
  topologyOperation: Str,
  topologyId: Str,
  namedLoggerLevels: Type.Record(Str, Type.Union([Type.Null(), Strict({ target_level: Str, timeout: Num })])),
  status: Str,
});
export type LogConfigResult = Static<typeof LogConfigResultSchema>;

/** The answer of the POST actions (activate, deactivate, rebalance, kill). */
export const ActionResultSchema = Strict({ topologyOperation: Str, topologyId: Str, status: Str });
export type ActionResult = Static<typeof ActionResultSchema>;

/** `GET /api/v1/log`: a page of a worker's log; `start` is the byte offset of `data`, `fileSize` the size now. */
export const LogPageSchema = Strict({
  topologyId: Str,
  host: Str,
  port: Num,
  data: Str,
  start: Num,
  length: Num,
  fileSize: Num,
});
export type LogPage = Static<typeof LogPageSchema>;

/**
 * Fastify `response` schemas for a route answering `ok` with status 200: errors are Storm's error document.
 * @param ok the 200 document's schema
 */
export function responses<T>(ok: T): { 200: T; '4xx': typeof ErrorBodySchema; '5xx': typeof ErrorBodySchema } {
  return { 200: ok, '4xx': ErrorBodySchema, '5xx': ErrorBodySchema };
}
