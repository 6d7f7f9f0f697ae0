import type { FastifyRequest } from 'fastify';
import type { SupervisorClient, TlsFiles } from '@squall/protocol';
import { HttpError } from '../errors';
import type { NimbusGateway } from '../nimbus-gateway';

/** What every route group gets: the way to nimbus, the credential check, and what the log route needs. */
export interface RouteContext {
  nimbus: NimbusGateway;
  /**
   * Checks a request's credentials (`Authorization: Bearer <nimbus.auth.token>`); does nothing without a token.
   * @throws HttpError 401 when they are missing or wrong
   */
  authorize(req: FastifyRequest): void;
  /** Supervisor gRPC clients by "host:port", reused across requests. */
  supervisors: Map<string, SupervisorClient>;
  /** TLS for supervisor connections (`squall.tls.*`). @default undefined: plaintext */
  tls?: TlsFiles;
  /** `squall.cluster.secret`: supervisors serve logs only to holders of the cluster credential. @default undefined */
  clusterSecret?: string;
}

/** Whether the request carries the token (always true when none is configured). */
export function authorized(ctx: RouteContext, req: FastifyRequest): boolean {
  try {
    ctx.authorize(req);
    return true;
  } catch (err) {
    if (err instanceof HttpError && err.status === 401) return false;
    throw err;
  }
}

/**
 * A route's `onRequest` hook that refuses a request without the token (401) before its body is read: for every route
 * that changes state or reveals what only the token's holders may see. Cross-origin state changes are refused for all
 * routes before this runs (ui-app.ts).
 */
export function requireToken(ctx: RouteContext): (req: FastifyRequest) => Promise<void> {
  return async (req) => ctx.authorize(req);
}

/** Path parameters of a route, decoded (Fastify decodes them; a malformed escape is refused before a route runs). */
export type Params = Record<string, string | undefined>;
/** Query parameters: the first value of each. */
export type Query = Record<string, string | string[] | undefined>;

/** The first value of query parameter `name`, or null. */
export function queryValue(query: unknown, name: string): string | null {
  const v = (query as Query)[name];
  return (Array.isArray(v) ? v[0] : v) ?? null;
}

/**
 * Query parameter `name` as an integer >= `min`; `fallback` when absent or empty.
 * @throws HttpError 400 naming the parameter when it is malformed, or missing without a fallback
 */
export function intParam(query: unknown, name: string, fallback: number | undefined, min: number): number {
  const raw = queryValue(query, name);
  if (raw === null || raw === '') {
    if (fallback === undefined) throw new HttpError(400, `missing query parameter '${name}'`);
    return fallback;
  }
  if (!/^-?\d+$/.test(raw) || Number(raw) < min)
    throw new HttpError(
      400,
      `query parameter '${name}' must be an integer${min > -Infinity ? ` >= ${min}` : ''}, got '${raw}'`,
    );
  return Number(raw);
}

/** Topology ids and names, component ids: what submit accepts (no '/', no '..', nothing to escape). */
export const ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/;

/**
 * The path parameter `name` when it is a well-formed id; anything else (`..`, a decoded `/`, control characters, a
 * megabyte of text) is refused here rather than passed on to nimbus or a supervisor.
 * @throws HttpError 400 naming the parameter
 */
export function idParam(params: unknown, name: string, what: string): string {
  const raw = (params as Params)[name] ?? '';
  if (!ID_PATTERN.test(raw))
    throw new HttpError(
      400,
      `${what} '${raw.slice(0, 100)}' is not a valid id: ids are 1 to 255 letters, digits, '_', '-' and '.', not starting with '-' or '.'`,
    );
  return raw;
}
