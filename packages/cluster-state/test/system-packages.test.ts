// The install lock, with real flock(1) processes on a temp lock file: an installer waits for whoever holds the lock,
// re-checks under it and installs nothing when the packages are there by then (dpkg itself always is on Debian).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { installDebianPackages, SystemPackageInstallError } from '../src';

/** Holds `lockPath` from another process for `secs`; resolves once it holds it. */
function holdLock(lockPath: string, secs: number): Promise<ChildProcess> {
  const child = spawn('flock', [lockPath, 'sh', '-c', `echo held; sleep ${secs}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', () => resolve(child));
  });
}

describe('installDebianPackages', () => {
  let dir: string;
  let lockPath: string;
  const holders: ChildProcess[] = [];
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'squall-lock-'));
    lockPath = path.join(dir, 'apt.lock');
  });
  after(() => {
    for (const h of holders) h.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('waits for the lock another process holds, then finds the package installed and installs nothing', async () => {
    const holder = await holdLock(lockPath, 1.5);
    holders.push(holder);
    const started = Date.now();
    await installDebianPackages(['dpkg'], { lockPath });
    const waited = Date.now() - started;
    assert.ok(waited >= 1000, `returned after ${waited} ms while the lock was held for 1.5 s`);
  });

  it('gives up after the lock wait with an error naming the lock file', async () => {
    holders.push(await holdLock(lockPath, 30));
    await assert.rejects(installDebianPackages(['dpkg'], { lockPath, lockTimeoutSecs: 1 }), (err: unknown) => {
      assert.ok(err instanceof SystemPackageInstallError);
      assert.equal(
        err.message,
        `apt-get install -y dpkg: waited 1s for ${lockPath}, held by another install; retry when it is done`,
      );
      return true;
    });
  });
});
