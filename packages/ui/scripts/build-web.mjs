// Builds the web app: type-checks packages/ui/web against the DOM library (the daemon's tsc -b project has no DOM
// types, so it does not see these files), then bundles it with esbuild into dist/web/{index.html, app-<hash>.js,
// app-<hash>.css}.
// Everything the browser loads comes from the UI daemon: uPlot, dagre and the CSS are bundled, no CDN, no fonts.
// Usage: node packages/ui/scripts/build-web.mjs [--no-check]
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const web = path.join(pkg, 'web');
const out = path.join(pkg, 'dist', 'web');

if (!process.argv.includes('--no-check')) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', path.join(web, 'tsconfig.json')], { stdio: 'inherit' });
  } catch (err) {
    process.exit(err.status ?? 1);
  }
}

// Asset names carry a content hash so the UI daemon can let browsers cache them for good; index.html (never cached)
// names the current ones. Old hashed files are removed with the rest of the previous build.
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: { app: path.join(web, 'src', 'main.ts') },
  outdir: out,
  entryNames: '[name]-[hash]',
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  format: 'iife',
  target: ['chrome110', 'firefox115', 'safari16'],
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
}).catch(() => process.exit(1));
const assets = Object.keys(result.metafile.outputs).filter((f) => /\.(js|css)$/.test(f));
const named = (ext) => path.basename(assets.find((f) => f.endsWith(ext)));
const html = readFileSync(path.join(web, 'index.html'), 'utf8')
  .replace('href="app.css"', `href="${named('.css')}"`)
  .replace('src="app.js"', `src="${named('.js')}"`);
writeFileSync(path.join(out, 'index.html'), html);

const sizes = assets.map((f) => `${path.basename(f)} ${(statSync(f).size / 1024).toFixed(1)} KiB`);
console.log(`web app: ${path.relative(process.cwd(), out)} (${sizes.join(', ')})`);
