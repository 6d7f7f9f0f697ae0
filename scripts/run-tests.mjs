// Runs every compiled test with Node's test runner: unit tests of each package (concurrently), then the integration
// tests in test/ (one file at a time: they start real ZooKeeper and daemon processes), and the Python library's tests. Prints one closing line
// 'tests: N passed, N failed, N skipped' summing both runs. Usage: node scripts/run-tests.mjs [unit|integration]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

const unit = readdirSync(path.join(root, 'packages')).flatMap((p) => findTests(path.join(root, 'packages', p, 'dist', 'test')));
const integration = findTests(path.join(root, 'test', 'dist', 'integration'));

const totals = { pass: 0, fail: 0, skipped: 0 };
let failedRun = false;

// A hung test must fail the run, not hang CI: each tier gets a hard limit (the default suite takes ~3 minutes).
const TIER_TIMEOUT_MS = 15 * 60 * 1000;

function run(label, files, concurrency) {
  if (files.length === 0) return;
  console.log(`\n# ${label}: ${files.length} file(s)`);
  const res = spawnSync(
    process.execPath,
    ['--test', '--test-reporter=tap', `--test-concurrency=${concurrency}`, ...files.map((f) => path.relative(root, f))],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, timeout: TIER_TIMEOUT_MS, killSignal: 'SIGKILL' },
  );
  if (res.error || res.signal) {
    console.log(`# ${label}: runner stopped (${res.error?.message ?? res.signal}) after ${TIER_TIMEOUT_MS / 60000} min: counted as a failure`);
    totals.fail += 1;
    failedRun = true;
  }
  process.stdout.write(res.stdout ?? '');
  for (const [key, re] of [['pass', /^# pass (\d+)/m], ['fail', /^# fail (\d+)/m], ['skipped', /^# skipped (\d+)/m]]) {
    const m = (res.stdout ?? '').match(re);
    if (m) totals[key] += Number(m[1]);
  }
  if (res.status !== 0) failedRun = true;
}

if (only !== 'integration') run('unit tests', unit, 2);
// The Python multi-lang library's own tests (standard library unittest; Python 3.9+ is on every supported machine).
function runPython() {
  const dir = path.join(root, 'packages/multilang/python');
  if (!existsSync(path.join(dir, 'tests'))) return;
  console.log('\n# python multi-lang library tests');
  const res = spawnSync('python3', ['-m', 'unittest', 'discover', '-s', 'tests'], { cwd: dir, encoding: 'utf8' });
  if (res.error) {
    console.log(`# python3 not runnable (${res.error.message}): install python3 to run these tests`);
    totals.fail += 1;
    failedRun = true;
    return;
  }
  process.stdout.write(res.stderr ?? '');
  const ran = Number((res.stderr.match(/^Ran (\d+) tests?/m) ?? [])[1] ?? 0);
  const failures = res.stderr.match(/^FAILED \((?:failures=(\d+))?(?:, )?(?:errors=(\d+))?/m);
  const bad = failures ? Number(failures[1] ?? 0) + Number(failures[2] ?? 0) : 0;
  totals.pass += ran - bad;
  totals.fail += bad;
  if (res.status !== 0) failedRun = true;
}

if (only !== 'integration') runPython();
if (only !== 'unit') run('integration tests', integration, 1);
console.log(`\ntests: ${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped`);
process.exit(failedRun || totals.fail > 0 ? 1 : 0);
