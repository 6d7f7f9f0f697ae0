/**
 * The cluster credential, short (the full attacker is `npm run test:security`): daemon calls refused without it,
 * signed assignments, the UI's log reads, secret file modes, scrubbed worker environments and submit-time checks of
 * worker options, against a real hardened cluster.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { NimbusService, SupervisorService, WorkerService } from '@squall/protocol';
import { ROOT, SQUALL, TestCluster, eventually } from '../harness/test-cluster';
import {
  allAcked,
  CLUSTER_SECRET,
  clusterProof,
  FIXTURE,
  HARDENED,
  rawCall,
  TOKEN,
  topologyProof,
  workerFacts,
  zk,
  zkSession,
  ZK_SECRET,
} from '../security/attacker';

const WORDS = 1500;

function submit(
  cluster: TestCluster,
  name: string,
  conf: Record<string, unknown>,
): { code: number | null; stdout: string; stderr: string } {
  const args = Object.entries(conf).flatMap(([k, v]) => ['-c', `${k}=${JSON.stringify(v)}`]);
  const r = spawnSync(
    process.execPath,
    [SQUALL, 'submit', FIXTURE, '--name', name, '--json', '--nimbus', cluster.nimbusAddress, ...args],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60000,
      env: { ...process.env, SQUALL_NIMBUS_AUTH_TOKEN: TOKEN },
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const environ = (pid: number) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
const mode = (p: string) => statSync(p).mode & 0o777;
const rssKiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

describe('the cluster credential', () => {
  let cluster: TestCluster;
  let topologyId = '';

  before(async () => {
    cluster = await TestCluster.start({ supervisors: 0, conf: HARDENED, ui: false });
    // Secrets in the supervisor's environment too, as an operator might pass them: workers must not inherit them.
    await cluster.addSupervisor(2, undefined, {
      prefix: [
        'env',
        `SQUALL_SQUALL_CLUSTER_SECRET=${CLUSTER_SECRET}`,
        `SQUALL_NIMBUS_AUTH_TOKEN=${TOKEN}`,
        `SQUALL_STORM_ZOOKEEPER_AUTH_SECRET=${ZK_SECRET}`,
      ],
    });
    await cluster.waitForSupervisors(1);
  });
  after(async () => {
    await cluster?.shutdown();
  });

  test('a topology runs on signed assignments; daemon calls without the credential are refused; the UI reads logs with it', async () => {
    const r = submit(cluster, 'signed', {
      'squall.test.words': WORDS,
      'topology.workers': 2,
      'squall.test.dir': cluster.outputDir('signed'),
    });
    assert.equal(r.code, 0, r.stderr);
    topologyId = (JSON.parse(r.stdout) as { topologyId: string }).topologyId;
    await allAcked(cluster, 'signed', WORDS, 60000);
    const nimbus = cluster.nimbusAddress;
    const download = NimbusService.downloadPackage.path;
    const req = [NimbusService.downloadPackage.requestSerialize({ topologyId })];
    const refused = await rawCall(nimbus, download, req);
    assert.equal(refused.code, grpc.status.UNAUTHENTICATED, refused.details);
    assert.equal(
      (await rawCall(nimbus, download, req, clusterProof('wrong', download, nimbus))).code,
      grpc.status.UNAUTHENTICATED,
    );
    assert.equal(
      (await rawCall(nimbus, download, req, clusterProof(CLUSTER_SECRET, download, nimbus))).code,
      grpc.status.OK,
    );
    const hb = NimbusService.supervisorHeartbeat.path;
    assert.equal(
      (await rawCall(nimbus, hb, [NimbusService.supervisorHeartbeat.requestSerialize({ supervisorId: 'forged' })]))
        .code,
      grpc.status.UNAUTHENTICATED,
    );
    const w = workerFacts(cluster, topologyId)[0]!;
    const log = SupervisorService.getWorkerLog.path;
    const logReq = [
      SupervisorService.getWorkerLog.requestSerialize({ topologyId, port: w.port, offset: -1000, length: 1000 }),
    ];
    assert.equal((await rawCall(w.supervisorAddress, log, logReq)).code, grpc.status.UNAUTHENTICATED);
    const beat = SupervisorService.workerHeartbeat.path;
    assert.equal(
      (
        await rawCall(w.supervisorAddress, beat, [
          SupervisorService.workerHeartbeat.requestSerialize({ topologyId, port: w.port }),
        ])
      ).code,
      grpc.status.UNAUTHENTICATED,
    );
    // The UI holds the cluster credential and reads the worker's log through its supervisor, for a person holding the
    // token (logs can hold tuple data).
    await cluster.startUi();
    const logUrl = `${cluster.uiUrl}api/v1/log?topologyId=${topologyId}&host=127.0.0.1&port=${w.port}`;
    assert.equal((await fetch(logUrl)).status, 401);
    const res = await fetch(logUrl, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200, await res.clone().text());
    assert.match(((await res.json()) as { data: string }).data, /worker/);
    // The assignment in ZooKeeper is signed over the package digest.
    const owner = await zkSession(cluster.zk.port, ZK_SECRET);
    try {
      const a = JSON.parse((await zk.getData(owner, `/squall/assignments/${topologyId}`)).data!.toString('utf8')) as {
        packageDigest?: string;
        signature?: string;
      };
      assert.match(a.packageDigest ?? '', /^[0-9a-f]{64}$/);
      assert.match(a.signature ?? '', /^[0-9a-f]{64}$/);
    } finally {
      owner.close();
    }
  });

  test('a Transfer stream without a proof of the topology secret is refused before its 32 MiB message is read', async () => {
    const w = workerFacts(cluster, topologyId)[0]!;
    const transfer = WorkerService.transfer.path;
    const pid = cluster.workerPids(topologyId).find((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(w.dir))!;
    const before = rssKiB(pid);
    const big = randomBytes(32 * 1024 * 1024);
    const none = await rawCall(w.address, transfer, [big]);
    assert.equal(none.code, grpc.status.UNAUTHENTICATED, none.details);
    const wrong = await rawCall(
      w.address,
      transfer,
      [big],
      topologyProof(topologyId, `${w.secret}x`, transfer, w.address),
    );
    assert.equal(wrong.code, grpc.status.UNAUTHENTICATED, wrong.details);
    // With the proof the limit is a batch's (1 MiB + topology.max.tuple.bytes): 32 MiB is refused by its size.
    const proven = await rawCall(w.address, transfer, [big], topologyProof(topologyId, w.secret, transfer, w.address));
    assert.equal(proven.code, grpc.status.RESOURCE_EXHAUSTED, proven.details);
    const grown = rssKiB(pid) - before;
    assert.ok(grown < 24 * 1024, `the worker grew by ${Math.round(grown / 1024)} MiB`);
    assert.equal(
      (await rawCall(w.address, WorkerService.ping.path, [WorkerService.ping.requestSerialize({ nonce: 1 })])).code,
      grpc.status.OK,
      'the worker still serves',
    );
    assert.ok(cluster.workerPids(topologyId).includes(pid), 'the worker is still running');
  });

  test('secret files are 0600 in 0700 dirs (0711 for run-as-user); workers inherit no daemon secret from their supervisor', () => {
    const w = workerFacts(cluster, topologyId)[0]!;
    assert.equal(mode(path.join(w.dir, 'launch.json')), 0o600);
    assert.equal(mode(w.dir), 0o700);
    const supDir = path.join(cluster.dir, 'supervisor-0', 'supervisor');
    // Run-as-user (a root supervisor): others may pass through the supervisor's dirs to their own, not list them.
    const asUsers = /each topology's workers run as a uid of their own/.test(
      readFileSync(cluster.daemons.find((d) => d.name === 'supervisor-0')!.log, 'utf8'),
    );
    assert.equal(mode(supDir), asUsers ? 0o711 : 0o700);
    assert.equal(mode(path.join(supDir, 'packages')), asUsers ? 0o711 : 0o700);
    assert.equal(mode(path.join(supDir, 'id')), 0o600);
    for (const f of readdirSync(path.join(supDir, 'packages')).filter((n) => n.endsWith('.topology.json')))
      assert.equal(mode(path.join(supDir, 'packages', f)), 0o600, f);
    const store = readdirSync(path.join(cluster.dir, 'nimbus', 'nimbus'));
    const stored = path.join(cluster.dir, 'nimbus', 'nimbus', store[0]!, 'packages', topologyId);
    assert.equal(mode(path.join(stored, 'topology.json')), 0o600);
    const supervisorPid = cluster.daemons.find((d) => d.name === 'supervisor-0')!.child.pid!;
    const supEnv = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .map(Number)
      .find((p) => {
        try {
          return (
            readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ')[1] === String(supervisorPid) ||
            p === supervisorPid
          );
        } catch {
          return false;
        }
      });
    // `env` execs node in place, so the daemon's pid carries the variables: the positive control.
    assert.ok(
      environ(supEnv ?? supervisorPid).some((e) => e.startsWith('SQUALL_SQUALL_CLUSTER_SECRET=')),
      'the supervisor has the secret in its environment',
    );
    for (const pid of cluster.workerPids(topologyId)) {
      const env = environ(pid);
      for (const name of [
        'SQUALL_SQUALL_CLUSTER_SECRET',
        'SQUALL_NIMBUS_AUTH_TOKEN',
        'SQUALL_STORM_ZOOKEEPER_AUTH_SECRET',
      ])
        assert.ok(!env.some((e) => e.startsWith(`${name}=`)), `worker ${pid} has ${name}`);
    }
  });

  test("a submit may not set the operator's worker.childopts nor open a debugger port", () => {
    const inspect = submit(cluster, 'debugme', { 'topology.worker.childopts': '--inspect=0.0.0.0:9229' });
    assert.equal(inspect.code, 1);
    assert.match(inspect.stderr, /topology\.worker\.childopts: --inspect=0\.0\.0\.0:9229 would open a debugger port/);
    const operator = submit(cluster, 'debugme', { 'worker.childopts': '--max-old-space-size=64' });
    assert.equal(operator.code, 1);
    assert.match(operator.stderr, /worker\.childopts is the operator's/);
    assert.equal(cluster.cli(['list']).stdout.includes('debugme'), false);
  });

  test("an assignment without nimbus's signature is refused by the supervisor and starts nothing", async () => {
    const owner = await zkSession(cluster.zk.port, ZK_SECRET);
    try {
      const storm = (await zk.getData(owner, `/squall/storms/${topologyId}`)).data!;
      const supId = (await cluster.clusterInfo()).supervisors[0]!.id;
      assert.equal(await zk.create(owner, '/squall/storms/forged-1-1', storm), null);
      const forged = {
        version: 1,
        executors: [{ component: 'words', startTask: 1, endTask: 1, supervisorId: supId, port: 1 }],
        workers: [],
        startTimes: {},
        packageDigest: 'b'.repeat(64),
      };
      assert.equal(await zk.create(owner, '/squall/assignments/forged-1-1', Buffer.from(JSON.stringify(forged))), null);
      await eventually(
        'the refusal in the supervisor log',
        () =>
          /refused the assignment of \\?"forged-1-1\\?" \(version 0\) in ZooKeeper: it is not signed/.test(
            readFileSync(cluster.daemons.find((d) => d.name === 'supervisor-0')!.log, 'utf8'),
          ) || undefined,
        15000,
      );
      await zk.remove(owner, '/squall/assignments/forged-1-1');
      await zk.remove(owner, '/squall/storms/forged-1-1');
    } finally {
      owner.close();
    }
    assert.ok(
      readdirSync(path.join(cluster.dir, 'supervisor-0', 'supervisor', 'workers')).every((d) =>
        d.startsWith(topologyId),
      ),
    );
  });
});
