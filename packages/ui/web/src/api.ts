// The REST API the UI daemon serves under /api/v1, with Storm UI's field names (STORM-UI-REST-API.md).

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
  const res = await fetch(`${BASE}${path}`, {
    method: 'POST',
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as T;
}

export const enc = encodeURIComponent;

// The documents' types are the server's own (rest-schema.ts, from the JSON schemas the server answers with): the app
// cannot read a field the server does not send. `import type` only, so nothing of the server reaches the bundle.
export type {
  BoltRow,
  BoltWindowStats,
  ClusterSummary,
  ComponentPage,
  ErrorEntry,
  ExecutorStat,
  LastError,
  LogPage,
  NimbusSummary,
  OutputStat,
  SpoutRow,
  SupervisorSummary,
  TopologyPage,
  TopologySummary,
  VisualizationNode,
  WindowStats,
  WorkerSummary,
} from '../../src/rest-schema';
import type { GraphEdge as GraphEdgeJson, InputStat as InputStatJson } from '../../src/rest-schema';

/** One subscription of the topology graph, as the server sends it, plus the rate the app computes. */
export type GraphEdge = GraphEdgeJson & {
  /** Current throughput in tuples/s, computed from two readings of `executed`. */
  rate?: number;
};

/** An input stream of a bolt, as the server sends it, plus the grouping the app finds in the topology's edges. */
export type InputStat = InputStatJson & { grouping?: string };
