import path from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  clusterSecretOf,
  effectiveConfig,
  silentLogger,
  tokenOf,
  validateConfig,
  type Config,
  type Logger,
} from '@squall/core';
import { tlsFilesFromConfig, tokenMatches, type SupervisorClient } from '@squall/protocol';
import { HttpError } from './errors';
import { NimbusGateway } from './nimbus-gateway';
import { hostCheck } from './request-policy';
import { buildUiApp } from './ui-app';
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

/**
 * The `squall ui` daemon: Storm UI's REST API under /api/v1, Prometheus /metrics and the web app, on ui.host:ui.port.
 * It talks to the leader nimbus over gRPC only. The HTTP side is a Fastify app ({@link buildUiApp}) that answers
 * malformed or oversized requests with 4xx and a failing handler with 500, never stopping the daemon; every answer
 * carries security headers. POSTs from
 * another origin are refused (403) whether or not a token is set. With `nimbus.auth.token` set, POST actions and the
 * reads that reveal a worker log or a topology's configuration need `Authorization: Bearer <token>` (compared in
 * constant time); the same token authenticates the UI to nimbus.
 */
export class UiServer {
  private constructor(
    private readonly app: FastifyInstance,
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
    const nimbus = new NimbusGateway({
      candidates,
      ...(token !== undefined ? { authToken: token } : {}),
      ...(tls ? { tls } : {}),
      timeoutMs: settings.nimbusTimeoutMs,
    });
    const supervisors = new Map<string, SupervisorClient>();
    const authorize = (req: FastifyRequest) => {
      if (token === undefined) return;
      const header = req.headers.authorization;
      const match = typeof header === 'string' ? /^Bearer[ ]+(\S.*)$/i.exec(header.trim()) : null;
      if (!tokenMatches(token, match?.[1]))
        throw new HttpError(401, 'this action needs the header Authorization: Bearer <nimbus.auth.token>');
    };
    const clusterSecret = clusterSecretOf(conf);
    const routes = {
      nimbus,
      authorize,
      supervisors,
      ...(tls ? { tls } : {}),
      ...(clusterSecret !== undefined ? { clusterSecret } : {}),
    };
    const webRoot = path.resolve(options.webRoot ?? path.join(__dirname, '..', 'web'));
    const host = settings.host;
    let app: FastifyInstance | undefined;
    let webAvailable = false;
    try {
      ({ app, webAvailable } = await buildUiApp({ log, routes, hostProblem, webRoot }));
      await app.listen({ port: settings.port, host });
    } catch (err) {
      await app?.close().catch(() => undefined);
      nimbus.close();
      throw err;
    }
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const ui = new UiServer(app, nimbus, log, port, host, supervisors);
    log.info(
      { url: ui.url, nimbus: candidates, webApp: webAvailable },
      `ui listening on ${ui.url}${webAvailable ? '' : ' (web app not built: REST API and /metrics only)'}`,
    );
    return ui;
  }

  /** Stops accepting connections, ends idle ones (busy ones after 2 s) and closes the gRPC clients. */
  async shutdown(): Promise<void> {
    const server = this.app.server;
    const force = setTimeout(() => server.closeAllConnections(), 2000);
    const closed = this.app.close();
    server.closeIdleConnections();
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
