#!/usr/bin/env node
// The `squall` command as npm links it (node_modules/.bin/squall) and as the Docker image puts it on PATH. It is
// committed, not built, so `npm ci` finds it and links it; it runs the compiled CLI and, in a source checkout that has
// not been built yet, builds it first (its progress on stderr, so stdout stays the command's own output).
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const entry = path.join(__dirname, '..', 'dist', 'src', 'bin.js');

if (!existsSync(entry)) {
  const root = path.resolve(__dirname, '..', '..', '..');
  const build = path.join(root, 'scripts', 'build.mjs');
  if (!existsSync(build)) {
    process.stderr.write(
      `squall: ${entry} is missing and this is not a source checkout to build it in: reinstall squall\n`,
    );
    process.exit(1);
  }
  process.stderr.write(`squall: not built yet; building it first (npm run build in ${root})\n`);
  const res = spawnSync(process.execPath, [build], { cwd: root, stdio: ['ignore', 2, 2] });
  if (res.status !== 0 || !existsSync(entry)) {
    process.stderr.write(
      `squall: the build failed (${res.error ? res.error.message : `exit code ${res.status}`}); fix what it printed above and run npm run build\n`,
    );
    process.exit(1);
  }
}

require(entry);
