// Copies each file a README block is marked to hold (`<!-- readme-file: PATH -->`) into that block, so the README
// shows the file verbatim after `npm run format` reformats it (scripts/readme-blocks.test.mjs checks they match).
import { readFileSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const readmes = [path.join(root, 'README.md')];
for (const p of readdirSync(path.join(root, 'packages'))) {
  const f = path.join(root, 'packages', p, 'README.md');
  if (existsSync(f)) readmes.push(f);
}

for (const readme of readmes) {
  const lines = readFileSync(readme, 'utf8').split('\n');
  const out = [];
  let changed = 0;
  for (let i = 0; i < lines.length; i++) {
    out.push(lines[i]);
    const m = /^<!-- readme-file: (\S+) -->$/.exec(lines[i].trim());
    if (!m) continue;
    // Lines up to and including the opening fence stay; the block's body becomes the file.
    while (!lines[++i].startsWith('```')) out.push(lines[i]);
    out.push(lines[i]);
    let end = i + 1;
    while (!lines[end].startsWith('```')) end++;
    const body = readFileSync(path.join(root, m[1]), 'utf8').replace(/\n+$/, '').split('\n');
    if (body.join('\n') !== lines.slice(i + 1, end).join('\n')) changed++;
    out.push(...body);
    i = end - 1;
  }
  if (changed > 0) writeFileSync(readme, out.join('\n'));
  console.log(`${path.relative(root, readme)}: ${changed} block(s) updated`);
}
