// Output piped into a reader that goes away (`squall ... | head -1`): the command ends quietly, no EPIPE stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../../../..');
const bin = path.join(root, 'packages/cli/bin/squall.js');

/** Runs squall with its stdout's read end closed before it writes anything; resolves to its exit and stderr. */
function withClosedStdout(
  args: string[],
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr, ms: Date.now() - started })),
  );
}

test('squall local with its reader gone stops the topology at once and exits 0 without an EPIPE trace', async () => {
  const logDir = mkdtempSync(path.join(tmpdir(), 'squall-log-'));
  try {
    const r = await withClosedStdout([
      'local',
      'examples/wordcount',
      '--duration',
      '20',
      '--interval',
      '0.2',
      '--log-file',
      path.join(logDir, 'wc.log'),
    ]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.ok(r.ms < 15000, `took ${r.ms} ms: it ran for its --duration instead of stopping`);
  } finally {
    rmSync(logDir, { recursive: true, force: true });
  }
});

test('squall --help with its reader gone exits 0 without an EPIPE trace', async () => {
  const r = await withClosedStdout(['--help']);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
});

test('squall --help | head -1, through a shell: the first line, and squall exits 0', () => {
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" "${bin}" --help | head -1`], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60000,
  });
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, 'Usage: squall [options] [command]\n');
  assert.equal(r.status, 0);
});
