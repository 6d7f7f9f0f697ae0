// The security suite (`npm run test:security`): every compiled test file under test/dist/security/ (each a node:test
// file playing an attacker against a real hardened cluster it starts itself), one file at a time, so each file owns
// the machine's ports and cores while it runs. Files added to test/security/ are picked up with no change here.
// Usage: node scripts/run-security.mjs [name-filter]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'test', 'dist', 'security');
const filter = process.argv[2] ?? '';
const files = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => f.endsWith('.test.js') && f.includes(filter))
      .sort()
  : [];
if (files.length === 0) {
  console.error(
    `security: no test files in ${path.relative(root, dir)}${filter ? ` matching '${filter}'` : ''} (did the build run?)`,
  );
  process.exit(1);
}
const failed = [];
for (const f of files) {
  console.log(`\n# security: ${f}`);
  const res = spawnSync(
    process.execPath,
    ['--test', '--test-concurrency=1', path.join('test', 'dist', 'security', f)],
    { cwd: root, stdio: 'inherit', timeout: 20 * 60 * 1000, killSignal: 'SIGKILL' },
  );
  if (res.status !== 0) failed.push(`${f} (${res.signal ? `killed by ${res.signal}` : `exit ${res.status}`})`);
}
console.log(
  `\nsecurity: ${files.length - failed.length} of ${files.length} file(s) passed${failed.length ? `; failed: ${failed.join(', ')}` : ''}`,
);
process.exit(failed.length ? 1 : 0);
