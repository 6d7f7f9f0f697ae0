import type { IncomingHttpHeaders } from 'node:http';

/** What the policies read of a request: Node's and Fastify's requests both have it. */
export interface PolicyRequest {
  method?: string | undefined;
  headers: IncomingHttpHeaders;
}

function header(req: PolicyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Why a state-changing request must be refused as cross-origin, or undefined when it may go on. Browsers say where a
 * request comes from (`Sec-Fetch-Site`, else `Origin`) and a page cannot make them leave both out; a request with
 * neither is not from a browser page (curl, scripts), which the token, when set, guards. So another site's page cannot
 * post to the UI even when no token is configured, while the UI's own web app (same origin) can.
 */
export function crossOriginProblem(req: PolicyRequest): string | undefined {
  const site = header(req, 'sec-fetch-site');
  if (site !== undefined)
    return site === 'same-origin' || site === 'none'
      ? undefined
      : `refused a ${req.method} from another site (Sec-Fetch-Site: ${site.slice(0, 50)})`;
  const origin = header(req, 'origin');
  if (origin === undefined) return undefined;
  const host = header(req, 'host') ?? '';
  let from: string | undefined;
  let to: string | undefined;
  try {
    from = new URL(origin).host;
    to = new URL(`http://${host}`).host;
  } catch {
    /* refused below */
  }
  if (from && from === to) return undefined;
  return `refused a ${req.method} from origin ${origin.slice(0, 200)}: only pages served by this UI (${host.slice(0, 200)}) may change anything`;
}

const isLoopbackName = (hostname: string): boolean =>
  hostname === 'localhost' ||
  hostname === '[::1]' ||
  hostname === '::1' ||
  /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);

/**
 * The check of the Host header against DNS rebinding: a page on `evil.example` whose name is made to resolve to
 * 127.0.0.1 reaches a UI bound to loopback as a same-origin page, Origin rule and all; what gives it away is the Host it
 * sends. A UI bound to a loopback address therefore answers only requests for loopback names and the names of
 * `ui.allowed.hosts`; one bound elsewhere answers any name unless `ui.allowed.hosts` is set.
 * @param boundTo `ui.host`
 * @param allowed `ui.allowed.hosts` (host names, without port; case does not matter)
 * @returns a function giving why a request must be refused, or undefined when it may go on
 */
export function hostCheck(
  boundTo: string,
  allowed: readonly string[] | null,
): (req: PolicyRequest) => string | undefined {
  const names = new Set((allowed ?? []).map((n) => n.toLowerCase()));
  const restricted = allowed !== null || isLoopbackName(boundTo.toLowerCase());
  return (req) => {
    if (!restricted) return undefined;
    const host = header(req, 'host');
    // HTTP/1.0 clients may leave it out; browsers never do.
    if (host === undefined) return undefined;
    let hostname = '';
    try {
      hostname = new URL(`http://${host}`).hostname.toLowerCase();
    } catch {
      /* refused below */
    }
    if (
      hostname !== '' &&
      (isLoopbackName(hostname) || names.has(hostname) || names.has(hostname.replace(/^\[|\]$/g, '')))
    )
      return undefined;
    return `refused a request for host '${host.slice(0, 200)}': this UI answers to ${['localhost', '127.0.0.1', '[::1]', ...names].join(', ')} (add the name to ui.allowed.hosts)`;
  };
}
