// The test runner's counting, on TAP from this Node's own runner (test files written to a temp dir and run), so a
// change in Node's TAP shows here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { addRun, summarizeTap } from './tap-summary.mjs';

/** Runs `files` (name → source) with `node --test --test-reporter=tap`; returns its TAP and exit status. */
function tapOf(files) {
  const dir = mkdtempSync(path.join(tmpdir(), 'squall-tap-'));
  try {
    for (const [name, src] of Object.entries(files)) writeFileSync(path.join(dir, name), src);
    // Without NODE_TEST_CONTEXT, which this runner sets and which would make the inner runner report in its binary
    // protocol instead of TAP.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const res = spawnSync(process.execPath, ['--test', '--test-reporter=tap', ...Object.keys(files)], {
      cwd: dir,
      encoding: 'utf8',
      env,
    });
    return { tap: res.stdout, status: res.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const header = "const { test, describe, before, after } = require('node:test');\n";

test('a failing before hook: Node says 0 failed (its tests are cancelled); we count each cancelled test', () => {
  const { tap, status } = tapOf({
    'a.test.js': `${header}describe('suite', () => { before(() => { throw new Error('no zookeeper'); }); test('t1', () => {}); test('t2', () => {}); });\ntest('fine', () => {});\n`,
  });
  assert.equal(summarizeTap(tap).counts.fail, 0, 'Node counts no failure here: the bug this guards against');
  const totals = { pass: 0, fail: 0, skipped: 0 };
  const lines = addRun(totals, 'unit tests', tap, status);
  assert.deepEqual(totals, { pass: 1, fail: 2, skipped: 0 });
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^unit tests: cancelled: t1 \(.*a\.test\.js:2:\d+\)/);
  assert.match(lines[1], /^unit tests: cancelled: t2 /);
});

test('a failing after hook of a suite counts once, as the suite, though every test passed', () => {
  const { tap, status } = tapOf({
    'b.test.js': `${header}describe('s', () => { after(() => { throw new Error('cleanup broke'); }); test('t', () => {}); });\n`,
  });
  const totals = { pass: 0, fail: 0, skipped: 0 };
  const lines = addRun(totals, 'unit tests', tap, status);
  assert.deepEqual(totals, { pass: 1, fail: 1, skipped: 0 });
  assert.match(lines[0], /^unit tests: hookFailed: s \(.*b\.test\.js.*\): cleanup broke$/);
});

test('a file that exits non-zero after its tests passed counts as a failure named by the file', () => {
  const { tap, status } = tapOf({
    'c.test.js': `${header}test('t', () => {});\nsetTimeout(() => process.exit(3), 50);\n`,
    'd.test.js': 'throw new Error("does not load");\n',
  });
  const totals = { pass: 0, fail: 0, skipped: 0 };
  const lines = addRun(totals, 'integration tests', tap, status);
  assert.equal(totals.fail, 2);
  assert.ok(lines.some((l) => /testCodeFailure: .*c\.test\.js/.test(l)));
  assert.ok(lines.some((l) => /testCodeFailure: .*d\.test\.js/.test(l)));
});

test('a failing test is one failure; a failing subtest is not counted again as its parent', () => {
  const { tap, status } = tapOf({
    'e.test.js': `${header}test('parent', async (t) => { await t.test('child', () => { throw new Error('boom'); }); });\ntest('ok', () => {});\n`,
  });
  const totals = { pass: 0, fail: 0, skipped: 0 };
  const lines = addRun(totals, 'unit tests', tap, status);
  assert.equal(totals.fail, 1);
  assert.match(lines[0], /testCodeFailure: child .*: boom$/);
});

test('passing, skipped and todo tests count no failure', () => {
  const { tap, status } = tapOf({
    'f.test.js': `${header}test('a', () => {});\ntest('b', { skip: 'not here' }, () => {});\ntest('c', { todo: true }, () => { throw new Error('later'); });\n`,
  });
  assert.equal(status, 0);
  const totals = { pass: 0, fail: 0, skipped: 0 };
  assert.deepEqual(addRun(totals, 'unit tests', tap, status), []);
  assert.deepEqual(totals, { pass: 1, fail: 0, skipped: 1 });
});

test('a runner that exits non-zero with no failing test in its TAP is one failure', () => {
  const totals = { pass: 0, fail: 0, skipped: 0 };
  const lines = addRun(totals, 'unit tests', 'TAP version 13\n', 1);
  assert.equal(totals.fail, 1);
  assert.deepEqual(lines, ['unit tests: the test runner exited with status 1 and no failing test']);
});
