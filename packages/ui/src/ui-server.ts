import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import path from 'node:path';
import { clusterSecretOf, createGuardedServer, effectiveConfig, HttpRequestError, readRequestBody, SECURITY_HEADERS, silentLogger, tokenOf, validateConfig, type Config, type GuardedRequest, type Logger } from '@squall/core';
import { tlsFilesFromConfig, tokenMatches, type SupervisorClient } from '@squall/protocol';
import { HttpError } from './errors';
import { NimbusGateway } from './nimbus-gateway';
import { crossOriginProblem, hostCheck } from './request-policy';
import { restRoutes } from './rest-api';
import type { RouteRequest, RouteResponse, Router } from './router';
import { StaticFiles } from './static-files';
import { uiSettings } from './ui-settings';

/** Options of {@link UiServer.create}. */
export interface UiServerOptions {
  /** Configuration: `ui.host`, `ui.port`, `nimbus.seeds`, `nimbus.port`, `nimbus.auth.token`, `ui.nimbus.timeout.secs`. */
  conf: Config;
  /** @default a silent logger */
  logger?: Logger;
  /**
   * Directory of the built web app.
   * @default packages/ui/dist/web (next to this package's compiled code)
   */
  webRoot?: string;
}

/** Largest request body accepted (POST actions carry tiny JSON). */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * Sent with every answer. The policy lets the web app run (its script, stylesheet and API calls all come from the UI
 * itself; the favicon is a data: URL) and nothing else: no inline script or style, no other origin, no framing.
 */
export const UI_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  ...SECURITY_HEADERS,
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'cross-origin-opener-policy': 'same-origin',
};

/**
 * The `squall ui` daemon: Storm UI's REST API under /api/v1, Prometheus /metrics and the web app, on ui.host:ui.port.
 * It talks to the leader nimbus over gRPC only. Requests go through a guard that answers malformed or oversized ones
 * with 4xx and a failing handler with 500, never stopping the daemon; every answer carries security headers. POSTs from
 * another origin are refused (403) whether or not a token is set. With `nimbus.auth.token` set, POST actions and the
 * reads that reveal a worker log or a topology's configuration need `Authorization: Bearer <token>` (compared in
 * constant time); the same token authenticates the UI to nimbus.
 */
export class UiServer {
  private constructor(
    private readonly server: Server,
    private readonly nimbus: NimbusGateway,
    private readonly log: Logger,
    /** The port the server listens on (the real one when ui.port is 0). */
    readonly port: number,
    /** The host it is bound to. */
    readonly host: string,
    private readonly supervisors: Map<string, SupervisorClient>,
  ) {}

  /** `http://host:port/`. */
  get url(): string {
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}/`;
  }

  /**
   * Binds ui.host:ui.port and starts serving. Nimbus is contacted per request, so the UI starts (and answers 502)
   * while nimbus is down.
   * @throws when the port cannot be bound (in use, no permission)
   */
  static async create(options: UiServerOptions): Promise<UiServer> {
    const conf = effectiveConfig(options.conf);
    validateConfig(conf, 'ui configuration');
    const settings = uiSettings(conf);
    const log = options.logger ?? silentLogger();
    const token = tokenOf(conf);
    const candidates = settings.nimbusCandidates;
    const tls = tlsFilesFromConfig(conf);
    const hostProblem = hostCheck(settings.host, settings.allowedHosts);
    const nimbus = new NimbusGateway({ candidates, ...(token !== undefined ? { authToken: token } : {}), ...(tls ? { tls } : {}), timeoutMs: settings.nimbusTimeoutMs });
    const supervisors = new Map<string, SupervisorClient>();
    const authorize = (req: RouteRequest) => {
      if (token === undefined) return;
      const header = req.headers.authorization;
      const match = typeof header === 'string' ? /^Bearer[ ]+(\S.*)$/i.exec(header.trim()) : null;
      if (!tokenMatches(token, match?.[1])) throw new HttpError(401, 'this action needs the header Authorization: Bearer <nimbus.auth.token>');
    };
    const clusterSecret = clusterSecretOf(conf);
    const router = restRoutes({ nimbus, authorize, supervisors, ...(tls ? { tls } : {}), ...(clusterSecret !== undefined ? { clusterSecret } : {}) });
    const web = new StaticFiles(path.resolve(options.webRoot ?? path.join(__dirname, '..', 'web')));
    const server = createGuardedServer((req, res, target) => handle(req, res, target, router, web, log, hostProblem), {
      name: 'ui',
      logger: log,
      headers: UI_SECURITY_HEADERS,
      errorBody: (status, message) => ({ contentType: 'application/json; charset=utf-8', body: errorJson(new HttpError(status, message)) }),
    });
    const host = settings.host;
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(settings.port, host, () => {
        server.off('error', reject);
        const addr = server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : 0);
      });
    }).catch((err: unknown) => {
      nimbus.close();
      throw err;
    });
    const ui = new UiServer(server, nimbus, log, port, host, supervisors);
    log.info({ url: ui.url, nimbus: candidates, webApp: web.available }, `ui listening on ${ui.url}${web.available ? '' : ' (web app not built: REST API and /metrics only)'}`);
    return ui;
  }

  /** Stops accepting connections, ends idle ones and closes the gRPC clients. */
  async shutdown(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const force = setTimeout(() => this.server.closeAllConnections(), 2000);
    await closed;
    clearTimeout(force);
    this.nimbus.close();
    for (const c of this.supervisors.values()) c.close();
    this.supervisors.clear();
    this.log.info('ui stopped');
  }
}

/** Starts the UI daemon with `conf` (see {@link UiServer.create}). */
export function startUi(conf: Config, logger?: Logger): Promise<UiServer> {
  return UiServer.create({ conf, ...(logger ? { logger } : {}) });
}

function errorJson(err: HttpError): string {
  return JSON.stringify({ error: err.statusText, errorMessage: err.message });
}

function sendError(res: ServerResponse, err: HttpError, headOnly: boolean): void {
  const extra: Record<string, string> = { 'cache-control': 'no-store' };
  if (err.status === 401) extra['www-authenticate'] = 'Bearer realm="squall"';
  // The rest of a refused body may still be on the connection: do not reuse it.
  if (err.status === 413 || err.status === 408) extra.connection = 'close';
  send(res, err.status, 'application/json; charset=utf-8', errorJson(err), extra, headOnly);
}

function send(res: ServerResponse, status: number, contentType: string, body: string | Buffer, headers: Record<string, string> = {}, headOnly = false): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(headOnly ? undefined : body);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function handle(req: IncomingMessage, res: ServerResponse, target: GuardedRequest, router: Router, web: StaticFiles, log: Logger, hostProblem: (req: IncomingMessage) => string | undefined): Promise<void> {
  const { pathname, query } = target;
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
  const headOnly = req.method === 'HEAD';
  const shown = pathname.slice(0, 200);
  const started = Date.now();
  try {
    const wrongHost = hostProblem(req);
    if (wrongHost) {
      log.warn({ method, path: shown, host: header(req, 'host') }, wrongHost);
      throw new HttpError(403, wrongHost);
    }
    const route = router.match(method, pathname);
    if (route) {
      if (method !== 'GET') {
        const problem = crossOriginProblem(req);
        if (problem) {
          log.warn({ method, path: shown, origin: header(req, 'origin'), site: header(req, 'sec-fetch-site') }, problem);
          throw new HttpError(403, problem);
        }
      }
      const body = method === 'POST' ? await readRequestBody(req, MAX_BODY_BYTES) : '';
      const out: RouteResponse = await route.handler({ params: route.params, query, body, headers: req.headers });
      if ('json' in out) send(res, out.status ?? 200, 'application/json; charset=utf-8', JSON.stringify(out.json), { 'cache-control': 'no-store' }, headOnly);
      else send(res, out.status ?? 200, out.contentType, out.text, { 'cache-control': 'no-store' }, headOnly);
      log.debug({ method, path: shown, status: out.status ?? 200, ms: Date.now() - started }, 'request');
      return;
    }
    if (pathname.startsWith('/api/')) throw new HttpError(404, `no such endpoint: ${shown}`);
    if (method !== 'GET') throw new HttpError(405, `${method} is not allowed on ${shown}`);
    const file = web.lookup(pathname === '/' ? '/index.html' : pathname);
    if (file) return send(res, 200, file.contentType, file.body, { 'cache-control': file.cacheControl }, headOnly);
    if (!web.available && pathname === '/')
      return send(res, 200, 'text/plain; charset=utf-8', 'Squall UI: the web app is not built (npm run build); the REST API is under /api/v1 and metrics at /metrics.\n', {}, headOnly);
    throw new HttpError(404, `not found: ${shown}`);
  } catch (err) {
    const e = err instanceof HttpRequestError ? new HttpError(err.status, err.message) : err;
    if (!(e instanceof HttpError)) throw e;
    log.debug({ method, path: shown, status: e.status, ms: Date.now() - started }, e.message);
    sendError(res, e, headOnly);
  }
}
