// `npm run test:docker`: the seed's Docker flow end to end, offline. Starts dockerd if none runs, builds the base
// images from Debian packages (base-images.mjs), builds the squall and ZooKeeper images, checks the image's Python
// (venv, pip), then does what the seed does: `docker-compose up -d`, `docker-compose scale supervisor=4`, submits the
// unmodified streamparse quickstart project (examples/wordcount-streamparse, copied to a directory outside the
// checkout like a user's own project) with `SQUALL_PROJECT_DIR=<dir> docker-compose run --rm cli submit .`, checks
// that the counts move in the UI's REST API and measures the spout's and the bolt's tuples/s there, finds the bolt's
// "counted [N] words [pid=P]" lines with `docker-compose run --rm cli logs`, scales out to 5 supervisors and rebalances
// onto them, then `docker kill`s a supervisor and checks that nimbus moves its worker and the counts keep growing.
// Then Redis state: checks that the redis image requires REDIS_PASSWORD when it is set, submits
// examples/stateful-wordcount with the README's `-c topology.state.provider=redis -c
// 'topology.state.provider.config={"host":"redis"}'`, waits for counts committed in the compose `redis` service
// (read with `docker-compose exec redis redis-cli`), `docker kill`s and starts again the supervisor containers that run
// its workers, and checks that the restarted bolts load the committed counts and keep growing them. Tears everything
// down (containers, networks, volumes) even on failure or Ctrl-C, and prints each phase with its duration. Everything
// runs in the compose project `squall-e2e` on its own networks; published ports bind to 127.0.0.1.
// SQUALL_E2E_PROJECT=<dir> submits another project directory instead (e.g. examples/wordcount-python).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CACHE_DIR, ensureBaseImages, REDIS_BASE_TAG, ZOOKEEPER_BASE_TAG } from './base-images.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PROJECT = 'squall-e2e';
/** The project directory submitted, relative to the checkout: the seed's unmodified `sparse quickstart wordcount`. */
const PROJECT_DIR = process.env.SQUALL_E2E_PROJECT || 'examples/wordcount-streamparse';
const SUPERVISORS = 4;
/** How long the throughput is measured over (REST counts at both ends). */
const MEASURE_SECS = 30;
const COUNTED = /counted \[[\d,]+\] words \[pid=\d+\]/;
/** The stateful word count (examples/stateful-wordcount): its name, its stateful bolt and that bolt's parallelism. */
const STATEFUL = { dir: 'examples/stateful-wordcount', name: 'stateful-wordcount', bolt: 'count', tasks: 3 };
/** The line the stateful bolt logs in initState; N > 0 only when it loaded committed counts. */
const STATE_LOADED = /state loaded: (\d+) word\(s\)/;
const started = Date.now();
const secs = (ms) => `${(ms / 1000).toFixed(1)}s`;
const say = (msg) => process.stdout.write(`[e2e +${secs(Date.now() - started)}] ${msg}\n`);

async function phase(name, fn) {
  const t0 = Date.now();
  say(`▶ ${name}`);
  const out = await fn();
  say(`✔ ${name} (${secs(Date.now() - t0)})`);
  return out;
}

/** Runs a command, returns stdout; throws with the tail of its output on a non-zero exit. */
function run(cmd, args, { env, input, quiet = true, cwd = root } = {}) {
  const r = spawnSync(cmd, args, {
    cwd,
    env: { ...process.env, ...env },
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: [input === undefined ? 'ignore' : 'pipe', quiet ? 'pipe' : 'inherit', quiet ? 'pipe' : 'inherit'],
  });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) {
    const tail = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n').slice(-25).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}${tail ? `:\n${tail}` : ''}`);
  }
  return r.stdout ?? '';
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a truthy value or the deadline passes; the error names the last observation. */
async function eventually(what, probe, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = 'nothing observed';
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${secs(timeoutMs)} waiting for ${what} (last: ${last})`);
    await sleep(1000);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const has = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;
function aptInstall(pkg) {
  if (!isRoot()) throw new Error(`${pkg} is missing and this is not root: apt-get install -y ${pkg}`);
  say(`installing ${pkg}`);
  run('flock', ['/tmp/apt.lock', 'apt-get', 'install', '-y', pkg], { quiet: false });
}

/** dockerd we started (stopped at the end), or null when one was already running. */
let ourDockerd = null;
async function ensureDocker() {
  if (!has('dockerd') && !has('docker')) aptInstall('docker.io');
  if (spawnSync('docker', ['info'], { stdio: 'ignore' }).status !== 0) {
    if (!has('dockerd')) aptInstall('docker.io');
    if (!isRoot()) throw new Error('no Docker engine is running and starting dockerd needs root');
    mkdirSync(CACHE_DIR, { recursive: true });
    const logFile = path.join(CACHE_DIR, 'dockerd.log');
    say(`starting dockerd (log: ${logFile})`);
    const fd = openSync(logFile, 'a');
    ourDockerd = spawn('dockerd', [], { stdio: ['ignore', fd, fd], detached: true });
    ourDockerd.unref();
    await eventually(
      'dockerd to answer `docker info`',
      () => spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0,
      60000,
    );
  }
  if (!has('docker-compose')) aptInstall('docker-compose');
  say(
    `docker: ${run('docker', ['version', '--format', 'client {{.Client.Version}}, engine {{.Server.Version}}']).trim()}; ${run('docker-compose', ['version', '--short']).trim() ? `docker-compose ${run('docker-compose', ['version', '--short']).trim()}` : ''}`,
  );
}

/**
 * The npm cache the image build installs from offline (docker/npm-cache.tar, see the Dockerfile). Made once from
 * this machine's npm cache, completed for the lockfile with `npm ci --prefer-offline` (which only asks the registry
 * for what the machine's cache lacks), and kept in test/docker/.cache.
 */
function npmCacheTarball() {
  const tarball = path.join(CACHE_DIR, 'npm-cache.tar');
  // Made for one package-lock.json: a tarball made for another lacks what new dependencies need (npm ci --offline
  // fails with ENOTCACHED), so it is completed again when the lockfile changes.
  const lockStamp = `${tarball}.lock-sha256`;
  const lockSha = createHash('sha256')
    .update(readFileSync(path.join(root, 'package-lock.json')))
    .digest('hex');
  if (existsSync(tarball) && existsSync(lockStamp) && readFileSync(lockStamp, 'utf8').trim() === lockSha)
    return tarball;
  const cache = path.join(CACHE_DIR, 'npm');
  const hostCache = run('npm', ['config', 'get', 'cache']).trim();
  if (!existsSync(path.join(cache, '_cacache')) && existsSync(path.join(hostCache, '_cacache'))) {
    cpSync(path.join(hostCache, '_cacache'), path.join(cache, '_cacache'), { recursive: true });
  }
  const work = mkdtempSync(path.join(os.tmpdir(), 'squall-npmcache-'));
  try {
    const manifests = [
      'package.json',
      'package-lock.json',
      'test/package.json',
      ...run('sh', ['-c', 'ls packages/*/package.json']).trim().split('\n'),
    ];
    for (const f of manifests) {
      mkdirSync(path.join(work, path.dirname(f)), { recursive: true });
      copyFileSync(path.join(root, f), path.join(work, f));
    }
    run('npm', ['ci', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--cache', cache], {
      cwd: work,
    });
    run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--cache', cache], { cwd: work });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  run('tar', ['-C', cache, '-cf', `${tarball}.tmp`, '.']);
  run('mv', [`${tarball}.tmp`, tarball]);
  writeFileSync(lockStamp, `${lockSha}\n`);
  return tarball;
}

/** Copies the project to a new directory outside the checkout, readable by the image's non-root user. */
function userProjectCopy() {
  const src = path.resolve(root, PROJECT_DIR);
  if (!existsSync(src)) throw new Error(`${PROJECT_DIR} does not exist in this checkout`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'squall-e2e-project-'));
  cpSync(src, dir, { recursive: true });
  const openUp = (p) => {
    chmodSync(p, statSync(p).isDirectory() ? 0o755 : 0o644);
    if (statSync(p).isDirectory()) for (const f of readdirSync(p)) openUp(path.join(p, f));
  };
  openUp(dir);
  return dir;
}

async function main() {
  const nimbusPort = await freePort();
  const uiPort = await freePort();
  const projectDir = userProjectCopy();
  const composeEnv = {
    COMPOSE_PROJECT_NAME: PROJECT,
    ZOOKEEPER_BASE_IMAGE: ZOOKEEPER_BASE_TAG,
    REDIS_BASE_IMAGE: REDIS_BASE_TAG,
    // The compose Redis without a password, as `docker-compose up` gives it by default (an environment's value would
    // otherwise reach the service).
    REDIS_PASSWORD: '',
    NIMBUS_PORT: String(nimbusPort),
    UI_PORT: String(uiPort),
    SQUALL_PROJECT_DIR: projectDir,
  };
  const composeArgs = [
    '-p',
    PROJECT,
    '-f',
    path.join(root, 'docker-compose.yml'),
    '-f',
    path.join(root, 'test/docker/compose.e2e.yml'),
  ];
  const compose = (args, opts = {}) =>
    run('docker-compose', [...composeArgs, ...args], { ...opts, env: { ...composeEnv, ...opts.env } });
  const cli = (...args) => compose(['run', '--rm', '-T', 'cli', ...args]);
  const api = async (p) => {
    // A kept-alive connection the UI closes just as a request goes out fails with "fetch failed": ask again then.
    const get = (tries) =>
      fetch(`http://127.0.0.1:${uiPort}${p}`, { signal: AbortSignal.timeout(10000) }).catch((err) =>
        tries > 1 && err instanceof TypeError ? sleep(500).then(() => get(tries - 1)) : Promise.reject(err),
      );
    const res = await get(3);
    const body = await res.text();
    if (!res.ok) throw new Error(`GET ${p}: ${res.status} ${body.slice(0, 300)}`);
    return JSON.parse(body);
  };
  let TOPOLOGY = '';
  const supervisors = async () => (await api('/api/v1/supervisor/summary')).supervisors;
  const topology = (name = TOPOLOGY) => api(`/api/v1/topology/${name}`);
  /** The supervisor containers of this project (running ones unless `all`), with their addresses on its networks. */
  const supervisorContainers = (all = false) =>
    run('docker', [
      'ps',
      ...(all ? ['-a'] : []),
      '-q',
      '--filter',
      `label=com.docker.compose.project=${PROJECT}`,
      '--filter',
      'label=com.docker.compose.service=supervisor',
    ])
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((id) => ({
        id,
        addrs: run('docker', ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', id])
          .trim()
          .split(' '),
      }));
  const healthOf = (container) =>
    run('docker', [
      'inspect',
      '-f',
      '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}',
      container,
    ]).trim();
  /** `redis-cli <args>` in the compose redis service; its stdout (raw replies, one per line). */
  const redisCli = (...args) => compose(['exec', '-T', 'redis', 'redis-cli', ...args]);
  /**
   * The stateful word count's committed counts in Redis: every hash `stateful-wordcount/count-<task>` (Storm's key
   * names; `$prepare` and `$txid` keys left out), field = the word's JSON, value = the count's JSON.
   */
  const committedCounts = () => {
    const keys = redisCli('--scan', '--pattern', `${STATEFUL.name}/${STATEFUL.bolt}-*`)
      .trim()
      .split('\n')
      .filter((k) => /^[^$]+-\d+$/.test(k))
      .sort();
    const words = {};
    for (const key of keys) {
      const lines = redisCli('HGETALL', key)
        .split('\n')
        .filter((l) => l !== '');
      if (lines.length % 2 !== 0) throw new Error(`HGETALL ${key}: odd number of lines: ${lines.join(' | ')}`);
      for (let i = 0; i < lines.length; i += 2) {
        const word = JSON.parse(lines[i]);
        if (word in words)
          throw new Error(`word ${word} in two tasks' state (fields grouping sends a word to one task)`);
        words[word] = JSON.parse(lines[i + 1]);
      }
    }
    const total = Object.values(words).reduce((a, n) => a + n, 0);
    return { keys, words, total };
  };
  /** "state loaded: N word(s)" lines of the stateful bolt's tasks with N > 0 (they loaded committed counts). */
  const loadedStateLines = () =>
    cli('logs', STATEFUL.name, STATEFUL.bolt, '-n', '5000')
      .split('\n')
      .filter((l) => Number(l.match(STATE_LOADED)?.[1] ?? 0) > 0);
  const counts = (t) => ({
    spoutEmitted: t.spouts.reduce((a, s) => a + Number(s.emitted), 0),
    spoutAcked: t.spouts.reduce((a, s) => a + Number(s.acked), 0),
    boltExecuted: t.bolts.reduce((a, b) => a + Number(b.executed), 0),
    failed: t.spouts.reduce((a, s) => a + Number(s.failed), 0),
  });
  /** Waits until the word count makes progress: the spout's emitted and the bolts' executed both grow past the marks. */
  const progressing = async (what, since) =>
    eventually(
      what,
      async () => {
        const c = counts(await topology());
        if (c.spoutEmitted > since.spoutEmitted + 100 && c.boltExecuted > since.boltExecuted + 100) return c;
        throw new Error(`counts ${JSON.stringify(c)}`);
      },
      180000,
    );
  /** Waits for `n` RUNNING workers, each on a different live supervisor; returns the topology JSON. */
  const spreadOver = (n) =>
    eventually(
      `${n} workers on ${n} different supervisors`,
      async () => {
        const [t, sups] = await Promise.all([topology(), supervisors()]);
        const live = new Set(sups.map((s) => s.id));
        const hosts = new Set(t.workers.map((w) => w.supervisorId));
        const desc = t.workers.map((w) => `${w.host}:${w.port}(${w.status})`).join(', ');
        if (
          t.workersTotal === n &&
          t.workers.length === n &&
          hosts.size === n &&
          t.workers.every((w) => live.has(w.supervisorId) && w.status === 'RUNNING')
        )
          return t;
        throw new Error(`workersTotal ${t.workersTotal}, workers [${desc}], live supervisors ${live.size}`);
      },
      180000,
    );
  const nSupervisors = (n) =>
    eventually(
      `${n} supervisors`,
      async () =>
        (await supervisors()).length === n
          ? true
          : Promise.reject(new Error(`${(await supervisors()).length} supervisors`)),
      180000,
    );

  let tornDown = false;
  const teardown = (why) => {
    if (tornDown) return;
    tornDown = true;
    const t0 = Date.now();
    say(`teardown (${why}): docker-compose down -v --remove-orphans`);
    const r = spawnSync(
      'docker-compose',
      [...composeArgs, '--profile', 'tools', 'down', '-v', '--remove-orphans', '--timeout', '5'],
      {
        cwd: root,
        env: { ...process.env, ...composeEnv },
        encoding: 'utf8',
      },
    );
    if (r.status !== 0)
      say(
        `teardown: docker-compose down exited ${r.status}: ${(r.stderr ?? '').trim().split('\n').slice(-5).join(' | ')}`,
      );
    const left = spawnSync('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${PROJECT}`], {
      encoding: 'utf8',
    }).stdout?.trim();
    if (left) spawnSync('docker', ['rm', '-f', '-v', ...left.split('\n')], { stdio: 'ignore' });
    const nets = spawnSync(
      'docker',
      ['network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${PROJECT}`],
      { encoding: 'utf8' },
    ).stdout?.trim();
    if (nets) spawnSync('docker', ['network', 'rm', ...nets.split('\n')], { stdio: 'ignore' });
    const vols = spawnSync(
      'docker',
      ['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${PROJECT}`],
      { encoding: 'utf8' },
    ).stdout?.trim();
    if (vols) spawnSync('docker', ['volume', 'rm', '-f', ...vols.split('\n')], { stdio: 'ignore' });
    rmSync(path.join(root, 'docker/npm-cache.tar'), { force: true });
    rmSync(projectDir, { recursive: true, force: true });
    // Rebuilds leave the previous build stage and image untagged; drop those (labelled by our Dockerfile) only.
    for (const label of ['org.squall.image=build', 'org.squall.image=squall']) {
      spawnSync('docker', ['image', 'prune', '-f', '--filter', `label=${label}`], { stdio: 'ignore' });
    }
    say(`teardown done (${secs(Date.now() - t0)})`);
    if (ourDockerd?.pid) {
      say('stopping the dockerd this test started');
      try {
        process.kill(ourDockerd.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  };
  // fetch's AbortSignal.timeout timer and sockets are unref'd: while a request to a container that is not serving yet
  // is pending, nothing else would keep the event loop alive and Node would exit mid-test (code 13) without teardown.
  const keepAlive = setInterval(() => {}, 60000);
  process.once('exit', () => teardown('exit'));
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
      say(`${sig}: tearing down`);
      teardown(sig);
      process.exit(130);
    });
  }

  try {
    await phase('docker engine and docker-compose', ensureDocker);
    // A previous run killed with SIGKILL may have left the project behind.
    await phase('remove leftovers of an earlier run', () => {
      spawnSync(
        'docker-compose',
        [...composeArgs, '--profile', 'tools', 'down', '-v', '--remove-orphans', '--timeout', '1'],
        { cwd: root, env: { ...process.env, ...composeEnv }, stdio: 'ignore' },
      );
    });
    await phase(
      'base images from Debian packages (node:20-bookworm-slim, squall/zookeeper-base:local, squall/redis-base:local)',
      () => ensureBaseImages(),
    );
    await phase('npm cache for the offline image build', () =>
      copyFileSync(npmCacheTarball(), path.join(root, 'docker/npm-cache.tar')),
    );
    await phase('docker-compose build (squall/squall:local, squall/zookeeper:local, squall/redis:local)', () => {
      compose(['build', 'zookeeper', 'redis', 'nimbus'], { quiet: false });
      rmSync(path.join(root, 'docker/npm-cache.tar'), { force: true });
    });
    await phase('the image has Python 3 with venv and pip (a virtualenv made as the image user)', () => {
      const out = run('docker', [
        'run',
        '--rm',
        '--entrypoint',
        'sh',
        'squall/squall:local',
        '-c',
        'python3 --version && python3 -m venv /tmp/venv && /tmp/venv/bin/pip --version',
      ]);
      say(out.trim().replace(/\n/g, '; '));
    });
    await phase(
      'the redis image requires REDIS_PASSWORD when it is set (any bytes: quotes, spaces, backslash, UTF-8)',
      async () => {
        const password = `pw "q" \\x41 $HOME é ${Date.now()}`;
        // Labelled with the project, so teardown removes it even if this phase fails.
        const id = run('docker', [
          'run',
          '-d',
          '--rm',
          '--label',
          `com.docker.compose.project=${PROJECT}`,
          '-e',
          `REDIS_PASSWORD=${password}`,
          'squall/redis:local',
        ]).trim();
        try {
          await eventually(
            'the password-protected redis container to be healthy (its healthcheck authenticates)',
            () => healthOf(id) === 'healthy' || Promise.reject(new Error(healthOf(id))),
            60000,
          );
          const anon = run('docker', ['exec', id, 'redis-cli', 'ping']).trim();
          if (!/^NOAUTH/.test(anon))
            throw new Error(`PING without the password answered ${JSON.stringify(anon)}, not NOAUTH`);
          const wrong = run('docker', ['exec', '-e', 'REDISCLI_AUTH=wrong', id, 'redis-cli', 'ping']).trim();
          if (wrong === 'PONG') throw new Error('PING with a wrong password answered PONG');
          const authed = run('docker', ['exec', '-e', `REDISCLI_AUTH=${password}`, id, 'redis-cli', 'ping']).trim();
          if (authed !== 'PONG') throw new Error(`PING with the password answered ${JSON.stringify(authed)}`);
          const ps = run('docker', ['top', id, '-o', 'pid,args']);
          if (ps.includes(password))
            throw new Error(`the password shows in the container's process list: ${ps.trim()}`);
          say(`without it: ${anon}; with a wrong one: ${wrong.split('\n')[0]}; with it: ${authed}`);
        } finally {
          spawnSync('docker', ['rm', '-f', id], { stdio: 'ignore' });
        }
      },
    );
    await phase('docker-compose up -d', () => compose(['up', '-d'], { quiet: false }));
    await phase('the redis service is healthy (redis-cli ping) and publishes no port', async () => {
      const id = compose(['ps', '-q', 'redis']).trim();
      await eventually(
        'redis to be healthy',
        () => healthOf(id) === 'healthy' || Promise.reject(new Error(healthOf(id))),
        120000,
      );
      const ports = run('docker', ['port', id]).trim();
      if (ports) throw new Error(`redis publishes ports: ${ports}`);
      say(
        `appendonly ${redisCli('CONFIG', 'GET', 'appendonly').trim().split('\n')[1]}, dir ${redisCli('CONFIG', 'GET', 'dir').trim().split('\n')[1]}`,
      );
    });
    await phase(`docker-compose scale supervisor=${SUPERVISORS}`, async () => {
      compose(['scale', `supervisor=${SUPERVISORS}`], { quiet: false });
      await nSupervisors(SUPERVISORS);
    });
    await phase(
      `SQUALL_PROJECT_DIR=<copy of ${PROJECT_DIR}> docker-compose run --rm cli submit . -c topology.workers=${SUPERVISORS}`,
      () => {
        const out = cli('submit', '.', '--json', '-c', `topology.workers=${SUPERVISORS}`).trim();
        const { topologyId } = JSON.parse(out.split('\n').at(-1));
        TOPOLOGY = topologyId.replace(/-\d+-\d+$/, '');
        say(`submitted ${topologyId} (topology '${TOPOLOGY}')`);
      },
    );
    await phase('the host CLI reaches nimbus through the published port', () => {
      const out = run(process.execPath, [
        path.join(root, 'packages/cli/dist/src/bin.js'),
        'list',
        '--json',
        '--nimbus',
        `127.0.0.1:${nimbusPort}`,
      ]);
      if (!out.includes(TOPOLOGY)) throw new Error(`squall list from the host does not show ${TOPOLOGY}: ${out}`);
    });
    let t = await phase(`${SUPERVISORS} workers spread over the ${SUPERVISORS} supervisors`, () =>
      spreadOver(SUPERVISORS),
    );
    let c = await phase('word counts flowing (REST: spout emitted, bolts executed)', () =>
      progressing('the word count to emit and count', counts(t)),
    );
    say(`counts: ${JSON.stringify(c)}`);
    await phase(
      `throughput over ${MEASURE_SECS}s (GET /api/v1/topology/${TOPOLOGY}, all-time counts at both ends)`,
      async () => {
        const t0 = Date.now();
        const a = counts(await topology());
        await sleep(MEASURE_SECS * 1000);
        const b = counts(await topology());
        const s = (Date.now() - t0) / 1000;
        const rate = (x, y) => Math.round((y - x) / s);
        say(
          `throughput: spout ${rate(a.spoutEmitted, b.spoutEmitted)} tuples/s emitted (${rate(a.spoutAcked, b.spoutAcked)}/s acked), bolts ${rate(a.boltExecuted, b.boltExecuted)} tuples/s executed, over ${s.toFixed(1)}s with ${SUPERVISORS} supervisors / ${SUPERVISORS} workers`,
        );
      },
    );
    const bolt = t.bolts[0]?.boltId;
    await phase(
      `"counted [N] words [pid=P]" in the workers' logs (docker-compose run --rm cli logs ${TOPOLOGY} ${bolt})`,
      () =>
        eventually(
          'counted lines in squall logs',
          () => {
            const lines = cli('logs', TOPOLOGY, bolt, '-n', '1000').split('\n');
            const counted = lines.filter((l) => COUNTED.test(l));
            if (counted.length === 0)
              throw new Error(`no counted line in ${lines.length} lines: ${lines.slice(-3).join(' | ')}`);
            say(`${counted.length} counted lines, e.g. ${counted.at(-1)}`);
            return true;
          },
          120000,
        ),
    );
    await phase('squall logs of an unknown topology is a clear error', () => {
      const r = spawnSync('docker-compose', [...composeArgs, 'run', '--rm', '-T', 'cli', 'logs', 'no-such-topology'], {
        cwd: root,
        env: { ...process.env, ...composeEnv },
        encoding: 'utf8',
      });
      if (r.status === 0 || !/no running topology named 'no-such-topology'/.test(r.stderr))
        throw new Error(`exit ${r.status}, stderr: ${r.stderr.trim().slice(-300)}`);
    });
    say(
      `squall stats ${TOPOLOGY} --json (via the cli service): ${cli('stats', TOPOLOGY, '--json').trim().slice(0, 300)}…`,
    );

    // The README's scale-out: one more supervisor on the running cluster, then a rebalance onto it.
    const more = SUPERVISORS + 1;
    await phase(`scale out to ${more} supervisors (up -d --no-recreate --scale supervisor=${more})`, async () => {
      compose(['up', '-d', '--no-recreate', '--scale', `supervisor=${more}`], { quiet: false });
      await nSupervisors(more);
    });
    await phase(`squall rebalance ${TOPOLOGY} -n ${more} -w 0`, () =>
      say(cli('rebalance', TOPOLOGY, '-n', String(more), '-w', '0').trim()),
    );
    t = await phase(`${more} workers on ${more} supervisors`, () => spreadOver(more));
    c = await phase('counts keep growing after the rebalance', () =>
      progressing('progress after the rebalance', counts(t)),
    );
    say(`counts: ${JSON.stringify(c)}`);

    const victim = t.workers[0];
    const container = run('docker', [
      'ps',
      '-q',
      '--filter',
      `label=com.docker.compose.project=${PROJECT}`,
      '--filter',
      'label=com.docker.compose.service=supervisor',
    ])
      .trim()
      .split('\n')
      .find((id) =>
        run('docker', ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', id])
          .trim()
          .split(' ')
          .includes(victim.host),
      );
    if (!container) throw new Error(`no supervisor container has address ${victim.host}`);
    await phase(`docker kill the supervisor container at ${victim.host} (worker ${victim.host}:${victim.port})`, () =>
      run('docker', ['kill', container]),
    );
    t = await phase(
      `nimbus drops the dead supervisor and moves its worker (${more} RUNNING workers on the ${more - 1} survivors)`,
      () =>
        eventually(
          'the worker of the killed supervisor to move',
          async () => {
            const [tt, sups] = await Promise.all([topology(), supervisors()]);
            const live = new Set(sups.map((s) => s.id));
            const running = tt.workers.filter(
              (w) => live.has(w.supervisorId) && w.supervisorId !== victim.supervisorId && w.status === 'RUNNING',
            );
            if (
              sups.length === more - 1 &&
              !live.has(victim.supervisorId) &&
              tt.workers.length === more &&
              running.length === more
            )
              return tt;
            throw new Error(
              `${sups.length} supervisors, workers ${tt.workers.map((w) => `${w.host}:${w.port}(${w.status})`).join(', ')}`,
            );
          },
          180000,
        ),
    );
    say(`workers now: ${t.workers.map((w) => `${w.host}:${w.port}`).join(', ')}`);
    c = await phase('counts keep growing after losing a supervisor', async () =>
      progressing('progress after the kill', counts(await topology())),
    );
    say(`counts: ${JSON.stringify(c)}`);
    await phase(`squall kill ${TOPOLOGY}`, () => say(cli('kill', TOPOLOGY, '-w', '0').trim()));

    // Stateful bolts with their state in the compose Redis, submitted with the README's line from the checkout.
    const submitArgs = [
      'submit',
      STATEFUL.dir,
      '-c',
      'topology.state.provider=redis',
      '-c',
      'topology.state.provider.config={"host":"redis"}',
    ];
    await phase(
      `docker-compose run --rm cli ${submitArgs.map((a) => (/[{"]/.test(a) ? `'${a}'` : a)).join(' ')}`,
      () => {
        // SQUALL_PROJECT_DIR as docker-compose.yml's default: this checkout.
        say(compose(['run', '--rm', '-T', 'cli', ...submitArgs], { env: { SQUALL_PROJECT_DIR: root } }).trim());
      },
    );
    let st = await phase(`${STATEFUL.name}'s workers RUNNING`, () =>
      eventually(
        `${STATEFUL.name} workers`,
        async () => {
          const tt = await topology(STATEFUL.name);
          if (
            tt.workers.length > 0 &&
            tt.workers.length === tt.workersTotal &&
            tt.workers.every((w) => w.status === 'RUNNING')
          )
            return tt;
          throw new Error(
            `workers ${tt.workers.map((w) => `${w.host}:${w.port}(${w.status})`).join(', ')} of ${tt.workersTotal}`,
          );
        },
        180000,
      ),
    );
    let before = await phase(
      `counts committed in Redis (HGETALL ${STATEFUL.name}/${STATEFUL.bolt}-<task> for its ${STATEFUL.tasks} tasks)`,
      () =>
        eventually(
          'committed counts in Redis',
          () => {
            const r = committedCounts();
            if (r.keys.length === STATEFUL.tasks && r.total > 300) return r;
            throw new Error(`keys [${r.keys.join(', ')}], total ${r.total}`);
          },
          180000,
        ),
    );
    say(`Redis keys ${before.keys.join(', ')}; total ${before.total}: ${JSON.stringify(before.words)}`);
    const loadedBefore = loadedStateLines().length;
    const hosts = new Set(st.workers.map((w) => w.host));
    const victims = supervisorContainers().filter((c) => c.addrs.some((a) => hosts.has(a)));
    if (victims.length !== hosts.size)
      throw new Error(`found ${victims.length} supervisor containers for worker hosts ${[...hosts].join(', ')}`);
    await phase(
      `docker kill, then docker start, the supervisor container(s) running its workers (${[...hosts].join(', ')})`,
      () => {
        run('docker', ['kill', ...victims.map((c) => c.id)]);
        // Counts read now are what the killed workers committed: nothing can move them until the workers are back.
        before = committedCounts();
        say(`committed when killed: total ${before.total}: ${JSON.stringify(before.words)}`);
        run('docker', ['start', ...victims.map((c) => c.id)]);
      },
    );
    const after = await phase(
      'the restarted bolts load the committed counts and every count in Redis grows from there (never below)',
      async () => {
        const grown = await eventually(
          'counts in Redis past the ones committed before the kill',
          () => {
            const r = committedCounts();
            const lower = Object.entries(before.words).filter(([w, n]) => !(r.words[w] >= n));
            // Not retried: a count below its committed value means the state was reset.
            if (lower.length > 0) return { reset: lower.map(([w, n]) => `${w}: ${n} -> ${r.words[w]}`) };
            // Every word, so each of the 3 tasks is seen committing again after its restart.
            const still = Object.entries(before.words).filter(([w, n]) => !(r.words[w] > n));
            if (r.total > before.total + 300 && still.length === 0) return r;
            throw new Error(
              `total ${r.total} (was ${before.total}); not grown yet: ${still.map(([w, n]) => `${w}=${n}`).join(', ') || 'none'}`,
            );
          },
          240000,
        );
        if (grown.reset)
          throw new Error(
            `counts went below what was committed before the kill (state reset?): ${grown.reset.join(', ')}`,
          );
        const loaded = await eventually(
          `"state loaded: N word(s)" with N > 0 from the ${STATEFUL.tasks} restarted tasks`,
          () => {
            const lines = loadedStateLines();
            if (lines.length >= loadedBefore + STATEFUL.tasks) return lines;
            throw new Error(`${lines.length} such lines (${loadedBefore} before the kill)`);
          },
          60000,
        );
        say(`e.g. ${loaded.at(-1).trim().slice(0, 300)}`);
        return grown;
      },
    );
    say(`Redis total ${before.total} -> ${after.total}: ${JSON.stringify(after.words)}`);
    await phase(`squall kill ${STATEFUL.name}`, () => say(cli('kill', STATEFUL.name, '-w', '0').trim()));
    say(`PASS in ${secs(Date.now() - started)}`);
  } catch (err) {
    say(`FAIL: ${err instanceof Error ? err.message : String(err)}`);
    const logs = spawnSync('docker-compose', [...composeArgs, 'logs', '--no-color', '--tail', '30'], {
      cwd: root,
      env: { ...process.env, ...composeEnv },
      encoding: 'utf8',
    });
    process.stdout.write(`--- last container logs ---\n${logs.stdout ?? ''}${logs.stderr ?? ''}\n---\n`);
    process.exitCode = 1;
  } finally {
    teardown(process.exitCode ? 'failure' : 'done');
    clearInterval(keepAlive);
  }
}

await main();
