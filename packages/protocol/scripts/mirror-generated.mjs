// Copies the generated message code (plain .js + .d.ts, which tsc neither compiles nor emits) into dist/, beside the
// compiled files that require it. Shared by generate.mjs and post-build.mjs.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const generatedDir = path.join(packageDir, 'src', 'generated');
/** Generated files tsc does not emit, so they are copied as they are. */
export const copiedFiles = ['squall.js', 'squall.d.ts'];

export function mirrorGenerated() {
  const target = path.join(packageDir, 'dist', 'src', 'generated');
  mkdirSync(target, { recursive: true });
  for (const name of copiedFiles) {
    const from = path.join(generatedDir, name);
    const to = path.join(target, name);
    if (!existsSync(from)) throw new Error(`${from} is missing: run packages/protocol/scripts/generate.mjs first`);
    // Leave unchanged files alone so their timestamps do not trigger rebuilds downstream.
    if (existsSync(to) && readFileSync(to).equals(readFileSync(from))) continue;
    copyFileSync(from, to);
  }
}
