import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors';

/**
 * Cache-Control of a web app file: index.html is never cached (it names the current assets); assets are cached for an
 * hour, or for a year when their name carries a content hash (`app-3DDWGEZR.js`).
 */
export function cacheControlFor(file: string): string {
  const name = path.basename(file);
  const hashed = /[.-][0-9a-f]{8,}\./i.test(name) || (/[.-][A-Za-z0-9_-]{8}\.(js|css)$/.test(name) && /\d/.test(name));
  return name === 'index.html' ? 'no-cache' : hashed ? 'public, max-age=31536000, immutable' : 'public, max-age=3600';
}

/**
 * Serves the web app under `root` (packages/ui/dist/web) with @fastify/static, and answers what no route matched: an
 * unknown /api/ path 404, another method than GET 405, any path that does not look like a file (no extension) the
 * app's index.html so client-side routes survive a reload, anything else 404. Paths with `..` segments never reach the
 * file system. Must be called on the root instance (it sets the not-found handler).
 * @returns whether the web app is built (index.html present); without it `/` answers a short note
 */
export async function registerWebApp(app: FastifyInstance, root: string): Promise<boolean> {
  const available = existsSync(path.join(root, 'index.html'));
  if (available)
    await app.register(fastifyStatic, {
      root,
      wildcard: true,
      index: ['index.html'],
      cacheControl: false,
      allowedPath: (pathname) => !pathname.split(/[\\/]/).includes('..'),
      setHeaders: (res, file) => res.setHeader('cache-control', cacheControlFor(file)),
    });
  // RFC 9239: JavaScript is text/javascript (the file server's type table says application/javascript).
  app.addHook('onSend', async (_req, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('application/javascript'))
      reply.header('content-type', 'text/javascript; charset=utf-8');
    return payload;
  });
  app.setNotFoundHandler(async (req, reply) => {
    const q = req.url.indexOf('?');
    const pathname = q < 0 ? req.url : req.url.slice(0, q);
    const shown = pathname.slice(0, 200);
    if (pathname.startsWith('/api/')) throw new HttpError(404, `no such endpoint: ${shown}`);
    if (req.method !== 'GET' && req.method !== 'HEAD')
      throw new HttpError(405, `${req.method} is not allowed on ${shown}`);
    if (available && path.posix.extname(pathname) === '') return reply.sendFile('index.html');
    if (!available && pathname === '/')
      return reply
        .header('cache-control', 'no-store')
        .type('text/plain; charset=utf-8')
        .send(
          'Squall UI: the web app is not built (npm run build); the REST API is under /api/v1 and metrics at /metrics.\n',
        );
    throw new HttpError(404, `not found: ${shown}`);
  });
  return available;
}
