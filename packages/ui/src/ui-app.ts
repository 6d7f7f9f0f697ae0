import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import fastifyHelmet from '@fastify/helmet';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { HttpRequestError, parseRequestTarget, type Logger } from '@squall/core';
import { HttpError } from './errors';
import { crossOriginProblem, type PolicyRequest } from './request-policy';
import { restApi, type RouteContext } from './rest-api';
import { UI_HELMET_OPTIONS, UI_SECURITY_HEADERS } from './security-headers';
import { registerWebApp } from './web-app';

/** Largest request head (request line and headers); larger ones get 431. */
export const MAX_HEAD_BYTES = 16 * 1024;
/** Largest request body accepted (POST actions carry tiny JSON); larger ones get 413. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Time a client has to send its whole request, body included (a slow client gets 408). */
const REQUEST_TIMEOUT_MS = 30000;
/** Time a client has to send its request head. */
const HEADERS_TIMEOUT_MS = 15000;
/** How long an idle keep-alive connection is kept (longer than browsers and fetch keep theirs). */
const KEEP_ALIVE_MS = 65000;
/** Longest path parameter routed: any that fits in a request head, so the routes refuse bad ids with 400 themselves. */
const MAX_PARAM_LENGTH = MAX_HEAD_BYTES;
/** Methods answered 405 on a path that exists for others. */
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/** Set on a request whose target could not be parsed (`*`, an authority): refused with 400 once hooks run. */
const BAD_TARGET = Symbol('squall.badTarget');
type MarkedRequest = IncomingMessage & { [BAD_TARGET]?: string };

/** Options of {@link buildUiApp}. */
export interface UiAppOptions {
  log: Logger;
  /** What the routes need (nimbus, the credential check...). */
  routes: RouteContext;
  /** Why a request must be refused for its Host header (DNS rebinding), or undefined. */
  hostProblem(req: PolicyRequest): string | undefined;
  /** Directory of the built web app. */
  webRoot: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on the routes that only answer 405 (they are not guarded as state changes). */
    methodNotAllowed?: boolean;
  }
}

const errorBody = (e: HttpError) => ({ error: e.statusText, errorMessage: e.message });

/** What `err` is to the client: its own HttpError, a limit's status, or a 500 (logged: it is a bug). */
function httpErrorOf(err: unknown, req: FastifyRequest, log: Logger): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof HttpRequestError) return new HttpError(err.status, err.message);
  const fe = err as Partial<FastifyError>;
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return new HttpError(413, `request body over the limit of ${MAX_BODY_BYTES} bytes`);
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500)
    return new HttpError(fe.statusCode, fe.message ?? 'bad request');
  const message = (err as Error)?.message ?? String(err);
  log.error(
    { err, method: req.method, target: req.url.slice(0, 200) },
    `ui: unexpected failure serving a request: ${message}`,
  );
  return new HttpError(500, `internal error: ${message}`);
}

function sendError(reply: FastifyReply, e: HttpError): FastifyReply {
  reply.code(e.status).header('cache-control', 'no-store');
  if (e.status === 401) reply.header('www-authenticate', 'Bearer realm="squall"');
  // The rest of a refused body may still be on the connection: do not reuse it.
  if (e.status === 413 || e.status === 408 || e.status === 400) reply.header('connection', 'close');
  return reply.type('application/json; charset=utf-8').send(errorBody(e));
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/**
 * The UI's HTTP application: Fastify with @fastify/helmet (security headers on every answer), @fastify/static (the web
 * app), the REST API and /metrics. Limits: 16 KiB request heads (431), 64 KiB bodies (413), 15 s for a head and 30 s for
 * a whole request (408). Before any route runs: a malformed request line or target gets 400, a request for a foreign
 * Host 403 (DNS rebinding), a state change from another origin 403 (Sec-Fetch-Site / Origin), whether or not a token
 * is set. A failing handler gets 500 and a log line; nothing a client sends stops the process. Not listening yet.
 */
export async function buildUiApp(options: UiAppOptions): Promise<{ app: FastifyInstance; webAvailable: boolean }> {
  const { log } = options;
  const app = Fastify({
    logger: false,
    http: {
      maxHeaderSize: MAX_HEAD_BYTES,
      headersTimeout: HEADERS_TIMEOUT_MS,
      requireHostHeader: false,
      connectionsCheckingInterval: 1000,
    },
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_MS,
    bodyLimit: MAX_BODY_BYTES,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Request targets in absolute form (`http://host/a`, which HTTP/1.1 allows) are routed by their path; anything
    // else that is not a path is marked and refused by the first hook.
    rewriteUrl(req) {
      try {
        const { pathname, query } = parseRequestTarget(req.url);
        const search = query.toString();
        return req.url?.startsWith('/') ? req.url : `${pathname}${search ? `?${search}` : ''}`;
      } catch (err) {
        (req as MarkedRequest)[BAD_TARGET] = (err as Error).message;
        return '/';
      }
    },
    // Malformed escapes and overlong parameters in the path, found while routing, before any hook runs.
    frameworkErrors(err, req, reply) {
      reply.headers(UI_SECURITY_HEADERS);
      log.debug({ code: err.code, target: req.url.slice(0, 200) }, `ui: refused a request: ${err.message}`);
      void sendError(
        reply,
        new HttpError(
          400,
          err.code === 'FST_ERR_BAD_URL'
            ? `malformed escape in the path '${req.url.slice(0, 200)}'`
            : `path too long: ${err.message.slice(0, 200)}`,
        ),
      );
    },
    // Malformed request lines and headers, heads over the limit, clients too slow: answered here, the socket closed.
    clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex) {
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
      log.debug({ code: err.code }, `ui: refused a malformed request: ${err.message}`);
      if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
      const body = JSON.stringify({
        error: REASONS[status],
        errorMessage: `${REASONS[status]}: ${err.code ?? err.message}`,
      });
      const head = [
        `HTTP/1.1 ${status} ${REASONS[status]}`,
        ...Object.entries(UI_SECURITY_HEADERS).map(([k, v]) => `${k}: ${v}`),
        'content-type: application/json; charset=utf-8',
        `content-length: ${Buffer.byteLength(body)}`,
        'cache-control: no-store',
        'connection: close',
      ];
      socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
    },
  });

  await app.register(fastifyHelmet, UI_HELMET_OPTIONS);

  // Routes that exist, by path, to answer 405 for the other methods (Fastify answers 404).
  const methodsByUrl = new Map<string, Set<string>>();
  app.addHook('onRoute', (route) => {
    const set = methodsByUrl.get(route.url) ?? new Set<string>();
    for (const m of [route.method].flat()) set.add(m);
    methodsByUrl.set(route.url, set);
  });

  app.addHook('onRequest', async (req) => {
    const bad = (req.raw as MarkedRequest)[BAD_TARGET];
    if (bad !== undefined) throw new HttpRequestError(400, bad);
    if (req.raw.httpVersionMajor === 1 && req.raw.httpVersionMinor >= 1 && !req.headers.host)
      throw new HttpRequestError(400, 'an HTTP/1.1 request needs a Host header');
    const wrongHost = options.hostProblem(req);
    if (wrongHost) {
      log.warn({ method: req.method, path: req.url.slice(0, 200), host: req.headers.host }, wrongHost);
      throw new HttpError(403, wrongHost);
    }
    // State changes on a route that exists: only from this UI's own pages (or from no page: curl, scripts).
    if (
      req.method !== 'GET' &&
      req.method !== 'HEAD' &&
      req.routeOptions.url !== undefined &&
      req.routeOptions.config.methodNotAllowed !== true
    ) {
      const problem = crossOriginProblem(req);
      if (problem) {
        log.warn(
          {
            method: req.method,
            path: req.url.slice(0, 200),
            origin: req.headers.origin,
            site: req.headers['sec-fetch-site'],
          },
          problem,
        );
        throw new HttpError(403, problem);
      }
    }
  });
  app.addHook('onResponse', async (req, reply) => {
    log.debug(
      { method: req.method, path: req.url.slice(0, 200), status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });

  // Bodies are read as text whatever their type (at most bodyLimit); each route parses its own, naming what is wrong.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err, req, reply) => sendError(reply, httpErrorOf(err, req, log)));

  await app.register(restApi, options.routes);
  const webAvailable = await registerWebApp(app, options.webRoot);

  for (const [url, methods] of [...methodsByUrl]) {
    const missing: string[] = METHODS.filter((m) => !methods.has(m));
    if (!methods.has('GET')) missing.push('HEAD');
    if (missing.length === 0 || url.includes('*')) continue;
    app.route({
      method: [...missing],
      url,
      config: { methodNotAllowed: true },
      exposeHeadRoute: false,
      handler: async (req) => {
        throw new HttpError(405, `${req.method} is not allowed on ${req.url.split('?')[0]!.slice(0, 200)}`);
      },
    });
  }
  return { app, webAvailable };
}
