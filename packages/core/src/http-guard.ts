import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { SquallError } from './errors';
import type { Logger } from './logger';

/**
 * Thrown when an HTTP request is malformed or over a limit (bad request target, body too large); `status` is the
 * answer to send (400, 408, 413...).
 */
export class HttpRequestError extends SquallError {
  constructor(
    /** The HTTP status to answer with. */
    readonly status: number,
    message: string,
  ) {
    super(`HTTP_${status}`, message);
  }
}

/** Options of {@link createGuardedServer}. */
export interface GuardedServerOptions {
  /** Names the server in log lines ("ui", "nimbus metrics"). */
  name: string;
  logger: Logger;
  /** Headers set on every response, errors and refused requests included. @default {@link SECURITY_HEADERS} */
  headers?: Record<string, string>;
  /** Largest request head (request line and headers); larger ones get 431. @default 16384 */
  maxHeaderBytes?: number;
  /** Time a client has to send its whole request, body included (a slow client gets 408). @default 30000 */
  requestTimeoutMs?: number;
  /** Time a client has to send its request head. @default 15000 */
  headersTimeoutMs?: number;
  /** How long an idle keep-alive connection is kept. @default 65000 (longer than browsers and fetch keep theirs) */
  keepAliveTimeoutMs?: number;
  /** The body of an error answer. @default plain text: the message and a line end */
  errorBody?(status: number, message: string): { contentType: string; body: string };
}

/** What a guarded handler gets besides Node's request and response: the request target, parsed. */
export interface GuardedRequest {
  /** The path, exactly as sent (still percent-encoded). */
  pathname: string;
  query: URLSearchParams;
}

/** A request handler; what it throws (or rejects with) becomes an error answer, never a crash. */
export type GuardedHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  target: GuardedRequest,
) => Promise<void> | void;

/**
 * Headers for responses that are data, not pages: nothing may be framed, sniffed, embedded by another site or leak a
 * referrer. A server serving HTML replaces the Content-Security-Policy with one that lets its page run.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Content Too Large',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
};

/**
 * Parses a request target: a path (`/a/b?x=1`, the usual form) or an absolute URL (`http://host/a`, which HTTP/1.1
 * allows). `new URL(target, base)` is not enough: it throws on `//` and reads `//evil/x` as host `evil`, path `/x`.
 * @throws HttpRequestError 400 for anything else (`*`, an authority, an empty target, a malformed absolute URL)
 */
export function parseRequestTarget(target: string | undefined): GuardedRequest {
  const raw = target ?? '';
  if (raw.startsWith('/')) {
    const q = raw.indexOf('?');
    return { pathname: q < 0 ? raw : raw.slice(0, q), query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
  }
  if (/^https?:\/\//i.test(raw)) {
    try {
      const u = new URL(raw);
      return { pathname: u.pathname, query: u.searchParams };
    } catch {
      /* fall through */
    }
  }
  throw new HttpRequestError(400, `malformed request target '${raw.slice(0, 200)}': expected a path starting with '/'`);
}

/**
 * Reads a request body of at most `maxBytes`: a larger Content-Length is refused before reading, a body that grows
 * past the limit while streaming is refused as soon as it does. Slow bodies are cut off by the server's request
 * timeout ({@link GuardedServerOptions.requestTimeoutMs}).
 * @throws HttpRequestError 413 over the limit, 400 when the client aborts mid-body
 */
export async function readRequestBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes)
    throw new HttpRequestError(413, `request body of ${declared} bytes is over the limit of ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) throw new HttpRequestError(413, `request body over the limit of ${maxBytes} bytes`);
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof HttpRequestError) throw err;
    throw new HttpRequestError(400, `request body not received: ${(err as Error).message}`);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * An HTTP server whose requests cannot take the process down: the request target is parsed safely (400), a handler's
 * exception or rejection becomes a 500 (or the status of an {@link HttpRequestError}), request heads are limited in
 * size (431) and time, whole requests in time (408), client errors (malformed request lines, bad headers) are answered
 * and the socket closed, and every answer carries the security headers. Listen with `server.listen` as usual; errors
 * of the listening server after it is bound are logged.
 */
export function createGuardedServer(handler: GuardedHandler, options: GuardedServerOptions): Server {
  const log = options.logger;
  const headers = options.headers ?? SECURITY_HEADERS;
  const errorBody =
    options.errorBody ??
    ((_status: number, message: string) => ({ contentType: 'text/plain; charset=utf-8', body: `${message}\n` }));
  const requestTimeout = options.requestTimeoutMs ?? 30000;
  const server = createServer(
    {
      maxHeaderSize: options.maxHeaderBytes ?? 16384,
      requestTimeout,
      headersTimeout: Math.min(options.headersTimeoutMs ?? 15000, requestTimeout),
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 65000,
      // Node checks the two timeouts above on this period: keep it short so they hold to about a second.
      connectionsCheckingInterval: Math.min(1000, requestTimeout),
      // Checked below instead, so that answer carries the headers too.
      requireHostHeader: false,
    },
    (req, res) => {
      // A client that goes away mid-body makes the request emit 'error'; unhandled, that would be thrown.
      req.on('error', () => undefined);
      res.on('error', (err) => log.debug({ err }, `${options.name}: response failed: ${err.message}`));
      const fail = (err: unknown) => {
        const status = err instanceof HttpRequestError ? err.status : 500;
        if (status === 500)
          log.error(
            { err, method: req.method, target: (req.url ?? '').slice(0, 200) },
            `${options.name}: unexpected failure serving a request: ${(err as Error)?.message ?? String(err)}`,
          );
        if (res.headersSent || res.destroyed) return void res.destroy();
        const message =
          status === 500 ? `internal error: ${(err as Error)?.message ?? String(err)}` : (err as Error).message;
        const out = errorBody(status, message);
        try {
          // After a malformed or oversized request the connection is not reused: an unread body may still be on it.
          const close = status === 400 || status === 408 || status === 413 || status === 431;
          res.writeHead(status, {
            ...headers,
            'content-type': out.contentType,
            'content-length': Buffer.byteLength(out.body),
            'cache-control': 'no-store',
            ...(close ? { connection: 'close' } : {}),
          });
          res.end(req.method === 'HEAD' ? undefined : out.body);
        } catch {
          res.destroy();
        }
      };
      try {
        for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
        if (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1 && !req.headers.host)
          throw new HttpRequestError(400, 'an HTTP/1.1 request needs a Host header');
        const target = parseRequestTarget(req.url);
        Promise.resolve(handler(req, res, target)).catch(fail);
      } catch (err) {
        fail(err);
      }
    },
  );
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    log.debug({ code: err.code }, `${options.name}: refused a malformed request: ${err.message}`);
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const out = errorBody(status, `${REASONS[status]}: ${err.code ?? err.message}`);
    const head = [
      `HTTP/1.1 ${status} ${REASONS[status]}`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      `content-type: ${out.contentType}`,
      `content-length: ${Buffer.byteLength(out.body)}`,
      'connection: close',
    ];
    socket.end(`${head.join('\r\n')}\r\n\r\n${out.body}`);
  });
  server.on('error', (err) => {
    if (server.listening) log.error({ err }, `${options.name}: server error: ${err.message}`);
  });
  return server;
}
