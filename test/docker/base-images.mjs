// Builds the base images the Dockerfiles start FROM, offline, from Debian packages: no registry is reachable here, so
// `node:20-bookworm-slim` is a debootstrapped bookworm (minbase) with the host's Node.js, npm and CA bundle, and the
// ZooKeeper and Redis bases are the same rootfs with Debian's zookeeper or redis-server package installed in a chroot. The rootfs tarballs are
// cached under test/docker/.cache (gitignored) so only the first run pays for debootstrap.
// Run directly (`node test/docker/base-images.mjs`) or through the e2e test. Needs root (debootstrap, chroot).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Where rootfs tarballs are kept between runs. */
export const CACHE_DIR = path.join(here, '.cache');
/** The tag the squall Dockerfile's FROM expects. */
export const NODE_BASE_TAG = 'node:20-bookworm-slim';
/** The tag the e2e test passes to docker/zookeeper/Dockerfile as its base (ZooKeeper already installed). */
export const ZOOKEEPER_BASE_TAG = 'squall/zookeeper-base:local';
/** The tag the e2e test passes to docker/redis/Dockerfile as its base (redis-server already installed). */
export const REDIS_BASE_TAG = 'squall/redis-base:local';
const SUITE = 'bookworm';

const log = (msg) => process.stdout.write(`[base-images] ${msg}\n`);

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    ...opts,
  });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0)
    throw new Error(
      `${cmd} ${args.join(' ')} exited ${r.status}:\n${(r.stderr || r.stdout || '').trim().split('\n').slice(-20).join('\n')}`,
    );
  return r.stdout;
}

/**
 * The Debian mirror this machine's apt uses for bookworm (main), read from /etc/apt/sources.list and
 * /etc/apt/sources.list.d/*.list|*.sources (one-line and deb822 formats), so nothing is written down here.
 * @throws Error when no bookworm main source is configured
 */
export function debianMirror() {
  const files = [];
  if (existsSync('/etc/apt/sources.list')) files.push('/etc/apt/sources.list');
  if (existsSync('/etc/apt/sources.list.d')) {
    for (const f of readdirSync('/etc/apt/sources.list.d').sort()) {
      if (f.endsWith('.list') || f.endsWith('.sources')) files.push(path.join('/etc/apt/sources.list.d', f));
    }
  }
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    if (file.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (name) => (stanza.match(new RegExp(`^${name}:\\s*(.+)$`, 'mi'))?.[1] ?? '').trim().split(/\s+/);
        if (
          !field('Types').includes('deb') ||
          !field('Suites').includes(SUITE) ||
          !field('Components').includes('main')
        )
          continue;
        if (/^Enabled:\s*no/im.test(stanza)) continue;
        const uri = field('URIs')[0];
        if (uri) return uri;
      }
    } else {
      for (const line of text.split('\n')) {
        // deb [options] uri suite components...
        const m = line.trim().match(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s+(.+)$/);
        if (m && m[2] === SUITE && m[3].split(/\s+/).includes('main')) return m[1];
      }
    }
  }
  throw new Error(`no "deb ... ${SUITE} main" source in ${files.join(', ') || '/etc/apt'}; cannot debootstrap`);
}

function imageExists(tag) {
  return spawnSync('docker', ['image', 'inspect', tag], { stdio: 'ignore' }).status === 0;
}

function ensureTool(bin, pkg) {
  if (spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0) return;
  log(`installing ${pkg} (${bin} missing)`);
  sh('flock', ['/tmp/apt.lock', 'apt-get', 'install', '-y', pkg], { stdio: 'inherit' });
}

/** Runs `fn(dir)` with /proc, /sys and /dev mounted in the chroot `dir` (maintainer scripts need them), then unmounts. */
function withChrootMounts(dir, fn) {
  const mounted = [];
  try {
    for (const [type, src, target, extra] of [
      ['proc', 'proc', 'proc', []],
      ['sysfs', 'sys', 'sys', []],
      [null, '/dev', 'dev', ['--bind']],
    ]) {
      const t = path.join(dir, target);
      mkdirSync(t, { recursive: true });
      sh('mount', type ? ['-t', type, src, t] : [...extra, src, t]);
      mounted.push(t);
    }
    return fn();
  } finally {
    for (const t of mounted.reverse()) spawnSync('umount', ['-l', t], { stdio: 'ignore' });
  }
}

/** A cached tarball of a minimal bookworm rootfs; debootstraps it from the machine's mirror on first use. */
function minbaseTarball(mirror) {
  const tarball = path.join(CACHE_DIR, `${SUITE}-minbase.tar`);
  if (existsSync(tarball)) return tarball;
  ensureTool('debootstrap', 'debootstrap');
  mkdirSync(CACHE_DIR, { recursive: true });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'squall-rootfs-'));
  try {
    log(`debootstrap --variant=minbase ${SUITE} from ${mirror} (first run only; cached in ${CACHE_DIR})`);
    sh('debootstrap', ['--variant=minbase', SUITE, dir, mirror], { stdio: 'inherit' });
    rmSync(path.join(dir, 'var/cache/apt/archives'), { recursive: true, force: true });
    mkdirSync(path.join(dir, 'var/cache/apt/archives/partial'), { recursive: true });
    sh('tar', ['-C', dir, '--numeric-owner', '-cf', `${tarball}.tmp`, '.']);
    sh('mv', [`${tarball}.tmp`, tarball]);
    return tarball;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A cached tarball (`bookworm-<name>.tar`) of the minbase rootfs plus Debian packages installed in a chroot with
 * apt-get. A policy-rc.d that forbids starting services keeps maintainer scripts (redis-server's) from starting a
 * daemon on this machine from inside the chroot.
 */
function packageTarball(mirror, name, packages) {
  const tarball = path.join(CACHE_DIR, `${SUITE}-${name}.tar`);
  if (existsSync(tarball)) return tarball;
  const base = minbaseTarball(mirror);
  const dir = mkdtempSync(path.join(os.tmpdir(), `squall-rootfs-${name}-`));
  try {
    sh('tar', ['-C', dir, '--numeric-owner', '-xf', base]);
    copyFileSync('/etc/resolv.conf', path.join(dir, 'etc/resolv.conf'));
    const policy = path.join(dir, 'usr/sbin/policy-rc.d');
    writeFileSync(policy, '#!/bin/sh\n# no service starts in this chroot\nexit 101\n', { mode: 0o755 });
    log(`installing Debian's ${packages.join(', ')} in a chroot`);
    withChrootMounts(dir, () => {
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' };
      sh('chroot', [dir, 'apt-get', 'update'], { env, stdio: 'inherit' });
      sh('chroot', [dir, 'apt-get', 'install', '-y', '--no-install-recommends', ...packages], {
        env,
        stdio: 'inherit',
      });
      sh('chroot', [dir, 'apt-get', 'clean']);
    });
    rmSync(policy, { force: true });
    rmSync(path.join(dir, 'var/lib/apt/lists'), { recursive: true, force: true });
    mkdirSync(path.join(dir, 'var/lib/apt/lists/partial'), { recursive: true });
    writeFileSync(path.join(dir, 'etc/resolv.conf'), '');
    sh('tar', ['-C', dir, '--numeric-owner', '-cf', `${tarball}.tmp`, '.']);
    sh('mv', [`${tarball}.tmp`, tarball]);
    return tarball;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function dockerImport(dir, tag, changes) {
  const args = ['import', ...changes.flatMap((c) => ['--change', c]), '-', tag];
  const tar = execFileSync('tar', ['-C', dir, '--numeric-owner', '-cf', '-', '.'], {
    maxBuffer: 2 * 1024 * 1024 * 1024,
  });
  sh('docker', args, { input: tar, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Imports node:20-bookworm-slim: the minbase rootfs plus this host's node binary, npm and CA bundle. */
function buildNodeBase(mirror) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'squall-rootfs-node-'));
  try {
    sh('tar', ['-C', dir, '--numeric-owner', '-xf', minbaseTarball(mirror)]);
    const nodeBin = realpathSync(process.execPath);
    const [major] = process.versions.node.split('.');
    if (major !== '20') log(`warning: host Node.js is ${process.versions.node}, tagging it as ${NODE_BASE_TAG} anyway`);
    mkdirSync(path.join(dir, 'usr/local/bin'), { recursive: true });
    copyFileSync(nodeBin, path.join(dir, 'usr/local/bin/node'));
    // npm ships beside node in both the official tarball layout and Debian/NodeSource's /usr/lib/node_modules.
    const npmDir = [
      '/usr/local/lib/node_modules/npm',
      '/usr/lib/node_modules/npm',
      path.join(path.dirname(nodeBin), '../lib/node_modules/npm'),
    ].find((d) => existsSync(path.join(d, 'bin/npm-cli.js')));
    if (!npmDir) throw new Error(`npm not found beside ${nodeBin}; the build stage needs it`);
    cpSync(npmDir, path.join(dir, 'usr/local/lib/node_modules/npm'), { recursive: true, dereference: true });
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', path.join(dir, 'usr/local/bin/npm'));
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', path.join(dir, 'usr/local/bin/npx'));
    const ca = '/etc/ssl/certs/ca-certificates.crt';
    if (!existsSync(ca)) throw new Error(`host CA bundle ${ca} missing (apt-get install ca-certificates)`);
    mkdirSync(path.join(dir, 'etc/ssl/certs'), { recursive: true });
    copyFileSync(ca, path.join(dir, 'etc/ssl/certs/ca-certificates.crt'));
    log(`docker import ${NODE_BASE_TAG} (node ${process.versions.node} from ${nodeBin})`);
    dockerImport(dir, NODE_BASE_TAG, [
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      `ENV NODE_VERSION=${process.versions.node}`,
      'CMD ["node"]',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Imports `tag` from the minbase rootfs plus Debian `packages` (cached as `bookworm-<name>.tar`). */
function buildPackageBase(mirror, name, packages, tag) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `squall-rootfs-${name}img-`));
  try {
    sh('tar', ['-C', dir, '--numeric-owner', '-xf', packageTarball(mirror, name, packages)]);
    log(`docker import ${tag}`);
    dockerImport(dir, tag, ['ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'CMD ["bash"]']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Makes sure the base images (node, ZooKeeper, Redis) exist locally, building what is missing. `force` rebuilds the images (the cached
 * rootfs tarballs are kept; delete test/docker/.cache to debootstrap again).
 */
export function ensureBaseImages({ force = false } = {}) {
  let mirror;
  const mirrorOnce = () => (mirror ??= debianMirror());
  if (force || !imageExists(NODE_BASE_TAG)) buildNodeBase(mirrorOnce());
  else log(`${NODE_BASE_TAG} present`);
  if (force || !imageExists(ZOOKEEPER_BASE_TAG))
    buildPackageBase(mirrorOnce(), 'zookeeper', ['zookeeper'], ZOOKEEPER_BASE_TAG);
  else log(`${ZOOKEEPER_BASE_TAG} present`);
  if (force || !imageExists(REDIS_BASE_TAG)) buildPackageBase(mirrorOnce(), 'redis', ['redis-server'], REDIS_BASE_TAG);
  else log(`${REDIS_BASE_TAG} present`);
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureBaseImages({ force: process.argv.includes('--force') });
  } catch (err) {
    process.stderr.write(`[base-images] ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
