// Builds everything: generated protocol code first (it is an input of tsc), then every TypeScript project.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => {
  try {
    execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
  } catch (err) {
    // The tool already printed its errors; a Node stack trace here would only bury them.
    process.exit(err.status ?? 1);
  }
};

const generator = path.join(root, 'packages/protocol/scripts/generate.mjs');
if (existsSync(generator)) run(process.execPath, [generator]);
run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-b', ...process.argv.slice(2)]);
// Examples are user-facing code: type-check them (they are run from source by `squall local`).
run(process.execPath, [
  path.join(root, 'node_modules/typescript/bin/tsc'),
  '-p',
  path.join(root, 'examples/tsconfig.json'),
]);
const postBuild = path.join(root, 'packages/protocol/scripts/post-build.mjs');
if (existsSync(postBuild)) run(process.execPath, [postBuild]);
// The web app (browser code, DOM types) is type-checked and bundled by its own script into packages/ui/dist/web.
const webBuild = path.join(root, 'packages/ui/scripts/build-web.mjs');
if (existsSync(webBuild)) run(process.execPath, [webBuild]);
