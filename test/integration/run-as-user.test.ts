/**
 * Run-as-user: a root supervisor runs each topology's workers as a uid of its own, so a topology's code cannot read
 * another topology's launch file (its secret), package descriptor or process, nor the supervisor's own files; and a
 * supervisor that is not root still runs topologies (sharing its user, with a warning).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { ROOT, SQUALL, TestCluster, closedToOthers, eventually } from '../harness/test-cluster';

const PROBE = path.join(ROOT, 'test/fixtures/probe-files.ts');
const FINITE = path.join(ROOT, 'test/fixtures/finite-wordcount.ts');
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

/**
 * Gives o+x to each directory on the way to this checkout that lacks it (a clone in a 0700 temp dir), so workers
 * under other uids reach the code; search only, nothing becomes listable. Said on stderr.
 */
function openTheWay(): void {
  for (;;) {
    const closed = closedToOthers([path.join(ROOT, 'packages/worker/dist/src/main.js'), process.execPath]);
    if (!closed) return;
    process.stderr.write(
      `run-as-user test: chmod o+x ${closed.dir} (was 0${closed.mode.toString(8)}) so workers under other uids reach the code\n`,
    );
    chmodSync(closed.dir, closed.mode | 0o001);
  }
}

function submit(cluster: TestCluster, file: string, name: string, conf: Record<string, unknown>): string {
  const args = Object.entries(conf).flatMap(([k, v]) => ['-c', `${k}=${JSON.stringify(v)}`]);
  const r = spawnSync(
    process.execPath,
    [SQUALL, 'submit', file, '--name', name, '--json', '--nimbus', cluster.nimbusAddress, ...args],
    { cwd: ROOT, encoding: 'utf8', timeout: 60000 },
  );
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { topologyId: string }).topologyId;
}

const owner = (p: string) => {
  const st = statSync(p);
  return { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 };
};
const procUid = (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

async function acked(cluster: TestCluster, name: string, component: string, total: number): Promise<void> {
  await eventually(
    `${name} to ack ${total} tuples`,
    () => {
      const s = cluster.stats(name).components[component];
      if (s && s.failed > 0) throw new Error(`${name} failed ${s.failed} tuples`);
      return s?.acked === total || undefined;
    },
    120000,
  );
}

describe(
  'run-as-user: topologies on one root supervisor cannot read each other',
  { skip: isRoot ? false : 'the supervisor must run as root to switch users (this suite runs as root in CI)' },
  () => {
    let cluster: TestCluster;
    let secretConf = '';

    before(async () => {
      openTheWay();
      cluster = await TestCluster.start({ supervisors: 0, ui: false, conf: { 'supervisor.run.worker.as.user': true } });
      // The supervisor's own config file with a secret, as an operator keeps it (0600, root's).
      secretConf = path.join(cluster.dir, 'supervisor-secrets.yaml');
      writeFileSync(secretConf, 'squall.test.note: "operator secret 42"\n', { mode: 0o600 });
      await cluster.addSupervisor(2, undefined, { prefix: ['env', `SQUALL_CONF=${secretConf}`] });
      await cluster.waitForSupervisors(1);
    });
    after(async () => {
      await cluster?.shutdown();
    });

    test("a bolt of topology A gets EACCES on B's launch file, package descriptor, process and log, and on the supervisor's secrets; both ack", async () => {
      const b = submit(cluster, FINITE, 'victim-b', {
        'squall.test.words': 400,
        'topology.workers': 1,
        'squall.test.dir': cluster.outputDir('b'),
      });
      const supDir = path.join(cluster.dir, 'supervisor-0', 'supervisor');
      const bDir = await eventually(
        "B's worker dir",
        () =>
          readdirSync(path.join(supDir, 'workers')).find(
            (d) => d.startsWith(b) && existsSync(path.join(supDir, 'workers', d, 'launch.json')),
          ),
        60000,
      );
      const bWorker = path.join(supDir, 'workers', bDir);
      const bPid = await eventually("B's worker pid", () => cluster.workerPids(b)[0], 60000);
      const descriptor = readdirSync(path.join(supDir, 'packages')).find(
        (n) => n.startsWith(b) && n.endsWith('.topology.json'),
      )!;
      const probes = [
        path.join(bWorker, 'launch.json'),
        path.join(bWorker, 'worker.log'),
        path.join(supDir, 'packages', descriptor),
        path.join(supDir, 'worker-uids.json'),
        path.join(supDir, 'id'),
        secretConf,
        `/proc/${bPid}/environ`,
      ];
      const a = submit(cluster, PROBE, 'prober-a', {
        'squall.test.words': 200,
        'topology.workers': 1,
        'squall.test.dir': cluster.outputDir('a'),
        'squall.test.probe': probes,
      });
      const report = await eventually(
        "A's probe report",
        () => {
          const f = existsSync(cluster.outputDir('a'))
            ? readdirSync(cluster.outputDir('a')).find((n) => n.startsWith('probe-'))
            : undefined;
          return f
            ? (JSON.parse(readFileSync(path.join(cluster.outputDir('a'), f), 'utf8')) as {
                uid: number;
                results: Record<string, string>;
              })
            : undefined;
        },
        120000,
      );
      for (const p of probes) assert.equal(report.results[p], 'EACCES', `${p}: ${report.results[p]}`);
      // The positive control: the same reads as root (the test) succeed, so the paths were right.
      for (const p of probes) assert.doesNotThrow(() => readFileSync(p), p);
      await acked(cluster, 'prober-a', 'numbers', 200);
      await acked(cluster, 'victim-b', 'words', 400);

      // Each topology its own uid from the range; files its own, the supervisor's root's.
      const aPid = cluster.workerPids(a)[0]!;
      const uidA = procUid(aPid);
      const uidB = procUid(bPid);
      assert.equal(report.uid, uidA);
      for (const uid of [uidA, uidB])
        assert.ok(uid >= 2000000000 && uid <= 2000065535, `uid ${uid} in the default range`);
      assert.notEqual(uidA, uidB);
      assert.deepEqual(owner(bWorker), { uid: uidB, gid: uidB, mode: 0o700 });
      assert.deepEqual(owner(path.join(bWorker, 'launch.json')), { uid: uidB, gid: uidB, mode: 0o600 });
      assert.deepEqual(owner(path.join(bWorker, 'worker.log')), { uid: uidB, gid: uidB, mode: 0o600 });
      const bPackage = path.join(supDir, 'packages', descriptor.slice(0, -'.topology.json'.length));
      assert.deepEqual(owner(bPackage), { uid: 0, gid: uidB, mode: 0o750 });
      assert.deepEqual(owner(path.join(supDir, 'packages', descriptor)), { uid: 0, gid: 0, mode: 0o600 });
      assert.deepEqual(owner(supDir), { uid: 0, gid: 0, mode: 0o711 });
      assert.deepEqual(owner(path.join(supDir, 'worker-uids.json')), { uid: 0, gid: 0, mode: 0o600 });
      const recorded = JSON.parse(readFileSync(path.join(supDir, 'worker-uids.json'), 'utf8')) as {
        topologies: Record<string, number>;
      };
      assert.equal(recorded.topologies[a], uidA);
      assert.equal(recorded.topologies[b], uidB);
      const supLog = readFileSync(cluster.daemons.find((d) => d.name === 'supervisor-0')!.log, 'utf8');
      assert.match(supLog, /each topology's workers run as a uid of their own from 2000000000-2000065535/);
      assert.doesNotMatch(supLog, /workers of every topology run as this supervisor's user/);
    });
  },
);

describe('a supervisor that is not root', () => {
  let cluster: TestCluster;

  before(async () => {
    cluster = await TestCluster.start({ supervisors: 0, ui: false });
    if (isRoot) {
      // The supervisor runs as nobody: its local dir is nobody's; the code must be reachable by it.
      openTheWay();
      const local = path.join(cluster.dir, 'supervisor-0');
      mkdirSync(local, { recursive: true });
      chownSync(local, NOBODY, NOBODY);
      await cluster.addSupervisor(2, undefined, {
        prefix: ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'],
      });
    } else await cluster.addSupervisor(2);
    await cluster.waitForSupervisors(1);
  });
  after(async () => {
    await cluster?.shutdown();
  });

  test('runs its topologies as its own user, and says once at start that they share it', async () => {
    const id = submit(cluster, FINITE, 'shared', {
      'squall.test.words': 300,
      'topology.workers': 1,
      'squall.test.dir': cluster.outputDir('shared'),
    });
    await acked(cluster, 'shared', 'words', 300);
    const supervisor = cluster.daemons.find((d) => d.name === 'supervisor-0')!;
    const expected = process.getuid!() === 0 ? NOBODY : process.getuid!();
    const pids = cluster.workerPids(id);
    assert.equal(pids.length, 1);
    for (const pid of pids) assert.equal(procUid(pid), expected);
    const log = readFileSync(supervisor.log, 'utf8');
    assert.equal(log.match(/workers of every topology run as this supervisor's user/g)?.length, 1, log.slice(0, 2000));
  });
});
