import { HttpError } from './errors';

/** What a route handler gets: path parameters (decoded), the query, and the raw request body for POSTs. */
export interface RouteRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A route's answer: a JSON document (status 200 unless given), or a raw body with its content type. */
export type RouteResponse = { json: unknown; status?: number } | { text: string; contentType: string; status?: number };

export type RouteHandler = (req: RouteRequest) => Promise<RouteResponse>;

interface Route {
  method: string;
  parts: string[];
  handler: RouteHandler;
}

/**
 * A small path router: patterns like `/api/v1/topology/:id/component/:component`, one segment per parameter,
 * parameters URL-decoded. Too small a need for a router library.
 */
export class Router {
  private readonly routes: Route[] = [];

  /** Adds a route; earlier routes win when several match. */
  add(method: 'GET' | 'POST', pattern: string, handler: RouteHandler): this {
    this.routes.push({ method, parts: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  /**
   * The handler and parameters for a request, or undefined when no route has this path.
   * @throws HttpError 405 when the path exists for other methods only; 400 for a malformed escape in the path
   */
  match(method: string, pathname: string): { handler: RouteHandler; params: Record<string, string> } | undefined {
    const segments = pathname.split('/').filter(Boolean);
    let otherMethods = false;
    for (const route of this.routes) {
      const params = matchParts(route.parts, segments);
      if (!params) continue;
      if (route.method !== method) {
        otherMethods = true;
        continue;
      }
      return { handler: route.handler, params };
    }
    if (otherMethods) throw new HttpError(405, `${method} is not allowed on ${pathname}`);
    return undefined;
  }
}

function matchParts(parts: string[], segments: string[]): Record<string, string> | undefined {
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const seg = segments[i]!;
    if (part.startsWith(':')) {
      try {
        params[part.slice(1)] = decodeURIComponent(seg);
      } catch {
        throw new HttpError(400, `malformed escape in path segment '${seg}'`);
      }
    } else if (part !== seg) return undefined;
  }
  return params;
}
