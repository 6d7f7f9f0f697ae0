import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { defaultConfig, getConfig, mergeConfig, silentLogger, validateConfig, type Config, type Logger } from '@squall/core';
import { tlsFilesFromConfig, tokenMatches, type SupervisorClient } from '@squall/protocol';
import { HttpError } from './errors';
import { NimbusGateway } from './nimbus-gateway';
import { restRoutes } from './rest-api';
import type { RouteRequest, RouteResponse, Router } from './router';
import { StaticFiles } from './static-files';

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
 * The `squall ui` daemon: Storm UI's REST API under /api/v1, Prometheus /metrics and the web app, on ui.host:ui.port.
 * It talks to the leader nimbus over gRPC only. POST actions need `Authorization: Bearer <nimbus.auth.token>` when a
 * token is configured (compared in constant time); the same token authenticates the UI to nimbus.
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
    const conf = mergeConfig(defaultConfig(), options.conf);
    validateConfig(conf, 'ui configuration');
    const log = options.logger ?? silentLogger();
    const token = typeof conf['nimbus.auth.token'] === 'string' ? (conf['nimbus.auth.token'] as string) : undefined;
    const nimbusPort = getConfig<number>(conf, 'nimbus.port');
    const candidates = getConfig<string[]>(conf, 'nimbus.seeds').map((s) => (s.includes(':') ? s : `${s}:${nimbusPort}`));
    const tls = tlsFilesFromConfig(conf);
    const nimbus = new NimbusGateway({ candidates, ...(token !== undefined ? { authToken: token } : {}), ...(tls ? { tls } : {}), timeoutMs: getConfig<number>(conf, 'ui.nimbus.timeout.secs') * 1000 });
    const supervisors = new Map<string, SupervisorClient>();
    const authorize = (req: RouteRequest) => {
      if (token === undefined) return;
      const header = req.headers.authorization;
      const match = typeof header === 'string' ? /^Bearer[ ]+(\S.*)$/i.exec(header.trim()) : null;
      if (!tokenMatches(token, match?.[1])) throw new HttpError(401, 'this action needs the header Authorization: Bearer <nimbus.auth.token>');
    };
    const clusterSecret = typeof conf['squall.cluster.secret'] === 'string' && conf['squall.cluster.secret'] !== '' ? (conf['squall.cluster.secret'] as string) : undefined;
    const router = restRoutes({ nimbus, authorize, supervisors, ...(tls ? { tls } : {}), ...(clusterSecret !== undefined ? { clusterSecret } : {}) });
    const web = new StaticFiles(path.resolve(options.webRoot ?? path.join(__dirname, '..', 'web')));
    const server = createServer((req, res) => {
      handle(req, res, router, web, log).catch((err: unknown) => {
        log.error({ err }, `unexpected failure serving ${req.url ?? ''}`);
        if (!res.headersSent) sendError(res, new HttpError(500, (err as Error).message));
        else res.destroy();
      });
    });
    // Node's 5 s default closes idle keep-alive connections just as a browser or fetch() may reuse them for the next
    // request (a POST then fails with "other side closed"); keep them longer than clients keep theirs.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    const host = getConfig<string>(conf, 'ui.host');
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(getConfig<number>(conf, 'ui.port'), host, () => {
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

function sendError(res: ServerResponse, err: HttpError): void {
  send(res, err.status, 'application/json; charset=utf-8', JSON.stringify({ error: err.statusText, errorMessage: err.message }), {
    ...(err.status === 401 ? { 'www-authenticate': 'Bearer realm="squall"' } : {}),
  });
}

function send(res: ServerResponse, status: number, contentType: string, body: string | Buffer, headers: Record<string, string> = {}, headOnly = false): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(headOnly ? undefined : body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(400, `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function handle(req: IncomingMessage, res: ServerResponse, router: Router, web: StaticFiles, log: Logger): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://ui');
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
  const started = Date.now();
  try {
    const route = router.match(method, url.pathname);
    if (route) {
      const body = method === 'POST' ? await readBody(req) : '';
      const out: RouteResponse = await route.handler({ params: route.params, query: url.searchParams, body, headers: req.headers });
      if ('json' in out) send(res, out.status ?? 200, 'application/json; charset=utf-8', JSON.stringify(out.json), { 'cache-control': 'no-store' }, req.method === 'HEAD');
      else send(res, out.status ?? 200, out.contentType, out.text, { 'cache-control': 'no-store' }, req.method === 'HEAD');
      log.debug({ method, path: url.pathname, status: out.status ?? 200, ms: Date.now() - started }, 'request');
      return;
    }
    if (url.pathname.startsWith('/api/')) throw new HttpError(404, `no such endpoint: ${url.pathname}`);
    if (method !== 'GET') throw new HttpError(405, `${method} is not allowed on ${url.pathname}`);
    const file = web.lookup(url.pathname === '/' ? '/index.html' : url.pathname);
    if (file) return send(res, 200, file.contentType, file.body, { 'cache-control': file.cacheControl }, req.method === 'HEAD');
    if (!web.available && url.pathname === '/')
      return send(res, 200, 'text/plain; charset=utf-8', 'Squall UI: the web app is not built (npm run build); the REST API is under /api/v1 and metrics at /metrics.\n');
    throw new HttpError(404, `not found: ${url.pathname}`);
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    log.debug({ method, path: url.pathname, status: err.status, ms: Date.now() - started }, err.message);
    sendError(res, err);
  }
}
