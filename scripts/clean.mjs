// Removes every build output (each package's dist/, test/dist/ and the tsc -b build info), so the next build
// starts from the sources alone: a compiled test whose source was moved or deleted would otherwise still run.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const removed = [];
const remove = (p) => {
  if (!existsSync(p)) return;
  rmSync(p, { recursive: true, force: true });
  removed.push(path.relative(root, p));
};
for (const dir of [
  ...readdirSync(path.join(root, 'packages')).map((p) => path.join(root, 'packages', p)),
  path.join(root, 'test'),
  path.join(root, 'examples'),
]) {
  if (!existsSync(dir)) continue;
  remove(path.join(dir, 'dist'));
  for (const f of readdirSync(dir)) if (f.endsWith('.tsbuildinfo')) remove(path.join(dir, f));
}
for (const f of readdirSync(root)) if (f.endsWith('.tsbuildinfo')) remove(path.join(root, f));
console.log(removed.length > 0 ? `removed ${removed.join(', ')}` : 'nothing to remove');
