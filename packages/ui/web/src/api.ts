// The REST API the UI daemon serves under /api/v1, typed with Storm UI's field names (STORM-UI-REST-API.md). Fields
// Squall adds beyond Storm's are optional here so the app still renders against a plain Storm-shaped response.

/** Thrown (as a rejection) when an API call fails: carries the HTTP status and the server's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Relative, so the app works behind a proxy that mounts the UI under a sub-path. */
const BASE = 'api/v1';

const TOKEN_KEY = 'squall.ui.token';

/** The bearer token for actions (nimbus.auth.token), kept for this browser tab only. */
export function authToken(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function setAuthToken(token: string): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

async function errorOf(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`;
  try {
    const text = await res.text();
    try {
      const body = JSON.parse(text) as { error?: string; errorMessage?: string; message?: string };
      message = body.errorMessage ?? body.error ?? body.message ?? (text || message);
    } catch {
      if (text) message = text;
    }
  } catch {
    /* keep the status line */
  }
  return new ApiError(res.status, message);
}

/** GET a JSON document; `path` is below /api/v1. Sends the stored token, which worker logs need when one is set. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = authToken();
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${BASE}${path}`, { headers, signal });
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as T;
}

/** POST an action; sends the stored bearer token when there is one. */
export async function postJson<T>(path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = authToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${BASE}${path}`, { method: 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as T;
}

export const enc = encodeURIComponent;

export interface ClusterSummary {
  stormVersion?: string;
  supervisors: number;
  topologies?: number;
  slotsTotal: number;
  slotsUsed: number;
  slotsFree: number;
  executorsTotal: number;
  tasksTotal: number;
}

export interface NimbusSummary {
  host: string;
  port: number;
  status: string;
  version?: string;
  nimbusUpTime?: string;
  nimbusUpTimeSeconds?: number | string;
}

export interface SupervisorSummary {
  id: string;
  host: string;
  uptime?: string;
  uptimeSeconds?: number;
  slotsTotal: number;
  slotsUsed: number;
  version?: string;
}

export interface TopologySummary {
  id: string;
  name: string;
  status: string;
  uptime?: string;
  uptimeSeconds?: number;
  tasksTotal: number;
  workersTotal: number;
  executorsTotal: number;
  owner?: string;
}

export interface WindowStats {
  windowPretty?: string;
  window: string;
  emitted: number;
  transferred: number;
  completeLatency?: string | number;
  acked: number;
  failed: number;
}

export interface WorkerSummary {
  supervisorId?: string;
  host: string;
  port: number;
  topologyId?: string;
  status?: string;
  uptime?: string;
  uptimeSeconds?: number;
  executorsTotal?: number;
  componentNumTasks?: Record<string, number>;
  workerLogLink?: string;
}

/** Fields of the last error Storm attaches to each spout and bolt row. */
export interface LastError {
  lastError?: string;
  errorHost?: string;
  errorPort?: number | string | null;
  errorTime?: number | null;
  errorLapsedSecs?: number | null;
  errorWorkerLogLink?: string;
}

export interface SpoutRow extends LastError {
  spoutId: string;
  executors: number;
  tasks: number;
  emitted: number;
  transferred: number;
  completeLatency?: string | number;
  acked: number;
  failed: number;
}

export interface BoltRow extends LastError {
  boltId: string;
  executors: number;
  tasks: number;
  emitted: number;
  transferred: number;
  executed?: number;
  capacity?: string | number;
  executeLatency?: string | number;
  processLatency?: string | number;
  acked: number;
  failed: number;
}

/** One subscription of the topology graph: `target` consumes `stream` of `source` with `grouping`. */
export interface GraphEdge {
  source: string;
  target: string;
  stream: string;
  grouping?: string;
  /** Tuples executed by the target from this stream, over the whole life of the topology (for rates). */
  executed?: number;
  /** Current throughput in tuples/s if the server computes it. */
  rate?: number;
}

export interface ErrorEntry {
  component?: string;
  error: string;
  errorTime?: number | null;
  time?: number;
  errorHost?: string;
  errorPort?: number | string | null;
  host?: string;
  port?: number;
  errorWorkerLogLink?: string;
  task?: number;
}

export interface TopologyPage {
  id: string;
  name: string;
  status: string;
  uptime?: string;
  uptimeSeconds?: number;
  tasksTotal: number;
  workersTotal: number;
  executorsTotal: number;
  msgTimeout?: number;
  window?: string;
  windowHint?: string;
  owner?: string;
  topologyStats?: WindowStats[];
  spouts?: SpoutRow[];
  bolts?: BoltRow[];
  workers?: WorkerSummary[];
  /** Squall: edges of the graph with groupings (see also `visualization`). */
  edges?: GraphEdge[];
  /** Squall: recent errors of every component. */
  errors?: ErrorEntry[];
  /** Storm's /visualization shape, when the server embeds it. */
  visualization?: Record<string, VisualizationNode>;
  configuration?: Record<string, unknown>;
}

/** Storm UI's /api/v1/topology/:id/visualization: component id → node with its inputs. */
export interface VisualizationNode {
  ':type'?: string;
  ':capacity'?: number;
  ':latency'?: number;
  ':transferred'?: number;
  ':inputs'?: Array<{ ':component': string; ':stream': string; ':grouping'?: string; ':sani-stream'?: string }>;
}

export interface InputStat {
  component: string;
  stream: string;
  executeLatency?: string | number;
  processLatency?: string | number;
  executed: number;
  acked: number;
  failed: number;
  grouping?: string;
}

export interface OutputStat {
  stream: string;
  emitted: number;
  transferred: number;
  completeLatency?: string | number;
  acked?: number;
  failed?: number;
}

export interface ExecutorStat {
  id: string;
  host: string;
  port: number;
  uptime?: string;
  uptimeSeconds?: number;
  emitted: number;
  transferred: number;
  acked: number;
  failed: number;
  executed?: number;
  completeLatency?: string | number;
  executeLatency?: string | number;
  processLatency?: string | number;
  capacity?: string | number;
  workerLogLink?: string;
}

export interface ComponentPage {
  id: string;
  name?: string;
  topologyId: string;
  topologyStatus?: string;
  componentType: string;
  executors: number;
  tasks: number;
  window?: string;
  windowHint?: string;
  spoutSummary?: WindowStats[];
  boltStats?: Array<WindowStats & { executed?: number; executeLatency?: string | number; processLatency?: string | number; capacity?: string | number }>;
  inputStats?: InputStat[];
  outputStats?: OutputStat[];
  executorStats?: ExecutorStat[];
  componentErrors?: ErrorEntry[];
}

/** A page of a worker log. */
export interface LogPage {
  /** Text of the page (UTF-8; may start or end inside a line). */
  data: string;
  /** Byte offset of `data` in the file. */
  start: number;
  /** Bytes in `data`. */
  length: number;
  /** Size of the whole file now. */
  fileSize: number;
}
