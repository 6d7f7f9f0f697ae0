import type { FastifyHelmetOptions } from '@fastify/helmet';

/**
 * The web app's Content-Security-Policy directives: its script, stylesheet and API calls all come from the UI itself
 * (the favicon is a data: URL) and nothing else: no inline script or style, no other origin, no framing.
 */
const CSP_DIRECTIVES: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/**
 * The security headers of every answer, as sent on answers written before any route runs (a malformed request line,
 * a bad URL): the same values @fastify/helmet sends on all others ({@link UI_HELMET_OPTIONS}).
 */
export const UI_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': Object.entries(CSP_DIRECTIVES)
    .map(([k, v]) => `${k} ${v.join(' ')}`)
    .join('; '),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
};

/**
 * @fastify/helmet's settings: the policy above exactly (helmet's default directives would add
 * `upgrade-insecure-requests`, which breaks a UI served over plain HTTP), frames denied, no referrer, resources and
 * windows same-origin. HSTS is off: the UI serves plain HTTP (TLS, when wanted, is a proxy's), where it means nothing.
 */
export const UI_HELMET_OPTIONS: FastifyHelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
  crossOriginOpenerPolicy: { policy: 'same-origin' },
  crossOriginEmbedderPolicy: false,
  strictTransportSecurity: false,
};
