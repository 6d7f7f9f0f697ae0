// Runs every compiled test with Node's test runner: first makes the system packages the tests need present (once,
// before anything runs concurrently), then unit tests of each package and of these scripts (concurrently), the Python
// library's tests, and the integration tests in test/ (two files at a time: each starts its own ZooKeeper and daemon
// processes, on ports no other process can take, see packages/core/src/free-port.ts; most of their time is waiting). Closes with every failure by name and one line 'tests: N passed, N failed, N skipped' summing all runs;
// cancelled tests, failed hooks and runners that exit non-zero count as failed.
// Usage: node scripts/run-tests.mjs [unit|integration]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { addRun } from './tap-summary.mjs';
import { prepareSystemPackages } from './test-prereqs.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv[2];

function findTests(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

const unit = [
  ...readdirSync(path.join(root, 'packages')).flatMap((p) => findTests(path.join(root, 'packages', p, 'dist', 'test'))),
  ...readdirSync(path.join(root, 'scripts'))
    .filter((f) => f.endsWith('.test.mjs'))
    .map((f) => path.join(root, 'scripts', f)),
];
const integration = findTests(path.join(root, 'test', 'dist', 'integration'));

const totals = { pass: 0, fail: 0, skipped: 0 };
/** One line per failure, printed again at the end so they are not lost in the TAP above. */
const failures = [];

// A hung test must fail the run, not hang CI: each tier gets a hard limit (the integration tier takes 10-15 minutes).
const TIER_TIMEOUT_MS = 30 * 60 * 1000;

function run(label, files, concurrency) {
  if (files.length === 0) return;
  console.log(`\n# ${label}: ${files.length} file(s)`);
  const res = spawnSync(
    process.execPath,
    ['--test', '--test-reporter=tap', `--test-concurrency=${concurrency}`, ...files.map((f) => path.relative(root, f))],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
      timeout: TIER_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    },
  );
  const stopped = res.error || res.signal;
  process.stdout.write(res.stdout ?? '');
  failures.push(...addRun(totals, label, res.stdout ?? '', stopped ? 0 : res.status));
  if (stopped) {
    failures.push(
      `${label}: runner stopped (${res.error?.message ?? res.signal}); the limit is ${TIER_TIMEOUT_MS / 60000} min`,
    );
    totals.fail += 1;
  }
}

const tiers = only ? [only] : ['unit', 'integration'];
if (!(await prepareSystemPackages(root, tiers))) process.exit(1);

if (only !== 'integration') run('unit tests', unit, 2);
// The Python multi-lang library's own tests (standard library unittest; Python 3.9+ is on every supported machine).
function runPython() {
  const dir = path.join(root, 'packages/multilang/python');
  if (!existsSync(path.join(dir, 'tests'))) return;
  console.log('\n# python multi-lang library tests');
  const res = spawnSync('python3', ['-m', 'unittest', 'discover', '-s', 'tests'], { cwd: dir, encoding: 'utf8' });
  if (res.error) {
    failures.push(`python tests: python3 not runnable (${res.error.message}): apt-get install -y python3`);
    totals.fail += 1;
    return;
  }
  process.stdout.write(res.stderr ?? '');
  const ran = Number((res.stderr.match(/^Ran (\d+) tests?/m) ?? [])[1] ?? 0);
  const failed = res.stderr.match(/^FAILED \((?:failures=(\d+))?(?:, )?(?:errors=(\d+))?/m);
  const bad = failed ? Number(failed[1] ?? 0) + Number(failed[2] ?? 0) : 0;
  totals.pass += ran - bad;
  totals.fail += bad;
  if (bad > 0) failures.push(`python tests: ${bad} failed (see the unittest output above)`);
  else if (res.status !== 0) {
    totals.fail += 1;
    failures.push(`python tests: unittest exited with status ${res.status} and no failing test`);
  }
}

if (only !== 'integration') runPython();
if (only !== 'unit') run('integration tests', integration, 2);
if (failures.length > 0) console.log(`\nfailed:\n${failures.map((f) => `  ${f}`).join('\n')}`);
console.log(`\ntests: ${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped`);
process.exit(totals.fail > 0 ? 1 : 0);
