import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** A static file to send. */
export interface StaticFile {
  body: Buffer;
  contentType: string;
  cacheControl: string;
}

/**
 * The web app's files under `root` (packages/ui/dist/web): exact files with their content type; any other path that
 * does not look like a file (no extension) gets index.html, so client-side routes survive a reload. index.html is
 * never cached (it names the current assets); assets are cached for an hour, or for a year when their name carries a
 * content hash (`main-3f2a9c1b.js`).
 */
export class StaticFiles {
  constructor(readonly root: string) {}

  /** Whether the web app has been built. */
  get available(): boolean {
    return existsSync(path.join(this.root, 'index.html'));
  }

  /** The file for a URL path, or undefined (404). Paths escaping the root are refused. */
  lookup(urlPath: string): StaticFile | undefined {
    let rel: string;
    try {
      rel = decodeURIComponent(urlPath);
    } catch {
      return undefined;
    }
    const file = path.resolve(this.root, '.' + path.posix.normalize('/' + rel));
    if (file !== this.root && !file.startsWith(this.root + path.sep)) return undefined;
    if (existsSync(file) && statSync(file).isFile()) return this.read(file);
    if (path.extname(rel) === '') {
      const index = path.join(this.root, 'index.html');
      if (existsSync(index)) return this.read(index);
    }
    return undefined;
  }

  private read(file: string): StaticFile {
    const name = path.basename(file);
    const hashed = /[.-][0-9a-f]{8,}\./i.test(name) || /[.-][A-Za-z0-9_-]{8}\.(js|css)$/.test(name) && /\d/.test(name);
    return {
      body: readFileSync(file),
      contentType: CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      cacheControl: name === 'index.html' ? 'no-cache' : hashed ? 'public, max-age=31536000, immutable' : 'public, max-age=3600',
    };
  }
}
