import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { SystemPackageInstallError } from './errors';

/**
 * The lock file every Squall code path that runs apt-get holds (with `flock(1)`) for the whole check-and-install: the
 * test runner's prepare step, ZooKeeper's auto-install, the browser test's Chromium and the Docker test scripts. dpkg
 * allows one installer at a time, so two tests installing at once used to fail each other on dpkg's own lock.
 */
export const SYSTEM_INSTALL_LOCK = '/tmp/apt.lock';

/** Options of {@link installDebianPackages}. */
export interface InstallDebianPackagesOptions {
  /** @default {@link SYSTEM_INSTALL_LOCK} */
  lockPath?: string;
  /** How long to wait for another installer's lock before giving up. @default 900 (apt can take minutes) */
  lockTimeoutSecs?: number;
  /** Show apt's output on this process's stderr instead of keeping only its last line for errors. @default false */
  showOutput?: boolean;
}

// Runs under the lock: re-checks with dpkg which packages are still missing (another process may have installed them
// while this one waited), then installs only those. DPkg::Lock::Timeout makes apt wait for installers that do not
// know our lock (unattended-upgrades) instead of failing at once. While it installs, a policy-rc.d (unless the
// machine has one) keeps packages from starting their daemons (redis-server's would hold port 6379 after the tests):
// tests start their own servers on free ports.
const CHECK_AND_INSTALL = [
  'missing=',
  'for p in "$@"; do dpkg-query -W -f=\'${Status}\' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"; done',
  '[ -z "$missing" ] && exit 0',
  'echo "squall: apt-get install -y$missing" >&2',
  "if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && trap 'rm -f /usr/sbin/policy-rc.d' EXIT; fi",
  'apt-get -o DPkg::Lock::Timeout=600 update -q && apt-get -o DPkg::Lock::Timeout=600 install -y -q $missing',
].join('\n');

/** flock's exit code when the lock stays taken past the wait (sysexits' EX_TEMPFAIL). */
const LOCK_TIMEOUT_EXIT = 75;

/** Whether this process may install system packages: root on a machine with apt-get. */
export function canInstallDebianPackages(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0 && fs.existsSync('/usr/bin/apt-get');
}

/**
 * Installs Debian packages (those not already installed) with `apt-get update` and `apt-get install -y`, holding
 * {@link SYSTEM_INSTALL_LOCK} so concurrent callers, in this process or others, install one after another and the
 * later ones find the packages present. Needs root and apt-get (see {@link canInstallDebianPackages}).
 * @throws SystemPackageInstallError naming the packages and apt's (or flock's) last line of output
 */
export function installDebianPackages(
  packages: readonly string[],
  options: InstallDebianPackagesOptions = {},
): Promise<void> {
  if (packages.length === 0) return Promise.resolve();
  const lockPath = options.lockPath ?? SYSTEM_INSTALL_LOCK;
  const waitSecs = options.lockTimeoutSecs ?? 900;
  const args = [
    '-w',
    String(waitSecs),
    '-E',
    String(LOCK_TIMEOUT_EXIT),
    lockPath,
    'sh',
    '-c',
    CHECK_AND_INSTALL,
    'sh',
    ...packages,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('flock', args, {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: ['ignore', options.showOutput ? 2 : 'pipe', options.showOutput ? 2 : 'pipe'],
    });
    let tail = '';
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-4096);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const what = `apt-get install -y ${packages.join(' ')}`;
    child.on('error', (err) => {
      const missingFlock = (err as NodeJS.ErrnoException).code === 'ENOENT';
      reject(
        new SystemPackageInstallError(
          missingFlock ? `${what}: flock(1) is not installed (util-linux)` : `${what}: ${err.message}`,
          { cause: err },
        ),
      );
    });
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      if (code === LOCK_TIMEOUT_EXIT) {
        return reject(
          new SystemPackageInstallError(
            `${what}: waited ${waitSecs}s for ${lockPath}, held by another install; retry when it is done`,
          ),
        );
      }
      const lastLine = tail.trim().split('\n').pop() ?? '';
      reject(
        new SystemPackageInstallError(
          `${what} failed (${signal ?? `exit code ${code}`})${lastLine ? `: ${lastLine}` : ''}`,
        ),
      );
    });
  });
}
