/**
 * The attacker against a hardened cluster (token + cluster credential + ZooKeeper ACL secret), over gRPC and
 * ZooKeeper: every method without credentials and with wrong ones, oversized and random messages, path traversal in
 * ids, and a ZooKeeper writer rewriting assignments, the leader and package digests. Every attempt must be refused
 * or harmless, every daemon stay up, and the victim topology ack every tuple.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Exception as ZkException } from 'node-zookeeper-client';
import {
  createWorkerClient,
  NimbusService,
  pb,
  SupervisorService,
  WorkerService,
  type RpcServiceDefinition,
} from '@squall/protocol';
import { ROOT, SQUALL, eventually, type TestCluster } from '../harness/test-cluster';
import {
  allAcked,
  bearer,
  CLUSTER_SECRET,
  clusterProof,
  daemonsAlive,
  FIXTURE,
  rawCall,
  startHardenedCluster,
  TOKEN,
  topologyProof,
  workerFacts,
  zk,
  zkCode,
  zkSession,
  ZK_SECRET,
  type WorkerFacts,
} from './attacker';

const WORDS = 6000;
const VICTIM = {
  'squall.test.words': WORDS,
  'squall.test.pause.every': 20,
  'squall.test.pause.ms': 250,
  'topology.workers': 2,
};

const confArgs = (conf: Record<string, unknown>) =>
  Object.entries(conf).flatMap(([k, v]) => ['-c', `${k}=${JSON.stringify(v)}`]);
const path_ = (def: RpcServiceDefinition, name: string) => def[name]!.path;
const encode = (def: RpcServiceDefinition, name: string, message: unknown): Buffer =>
  def[name]!.requestSerialize(message);
const logOf = (cluster: TestCluster, name: string) =>
  readFileSync(cluster.daemons.find((d) => d.name === name)!.log, 'utf8');
const rssKiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

describe('gRPC and ZooKeeper attacks on a hardened cluster', () => {
  let cluster: TestCluster;
  let topologyId = '';
  let nimbus = '';
  let workers: WorkerFacts[] = [];
  let pidsBefore: number[] = [];

  before(async () => {
    cluster = await startHardenedCluster(2);
    nimbus = cluster.nimbusAddress;
    const r = spawnSync(
      process.execPath,
      [
        SQUALL,
        'submit',
        FIXTURE,
        '--name',
        'victim',
        '--json',
        '--nimbus',
        nimbus,
        ...confArgs({ ...VICTIM, 'squall.test.dir': cluster.outputDir('victim') }),
      ],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60000,
        env: { ...process.env, SQUALL_NIMBUS_AUTH_TOKEN: TOKEN },
      },
    );
    assert.equal(r.status, 0, r.stderr);
    topologyId = (JSON.parse(r.stdout) as { topologyId: string }).topologyId;
    workers = await eventually(
      '2 workers of the victim running',
      () => {
        const w = workerFacts(cluster, topologyId);
        return w.length === 2 &&
          cluster.stats('victim').workers.every((x) => x.status === 'RUNNING') &&
          cluster.stats('victim').workers.length === 2
          ? w
          : undefined;
      },
      180000,
    );
    pidsBefore = cluster.workerPids(topologyId).sort();
  });
  after(async () => {
    await cluster?.shutdown();
  });

  test('every Nimbus method: protected ones refuse no credential and every wrong one before doing anything; open ones reveal no config', async () => {
    const N = (m: string) => path_(NimbusService, m);
    const requests: Record<string, Buffer[]> = {
      submitTopology: [
        encode(NimbusService, 'submitTopology', {
          header: {
            name: 'evil',
            specJson: '{"components":[]}',
            confJson: '{}',
            packageDigest: 'a'.repeat(64),
            packageSize: 4,
          },
        }),
        encode(NimbusService, 'submitTopology', { chunk: Buffer.from('evil') }),
      ],
      killTopology: [encode(NimbusService, 'killTopology', { name: 'victim', waitSecs: 0 })],
      activate: [encode(NimbusService, 'activate', { name: 'victim' })],
      deactivate: [encode(NimbusService, 'deactivate', { name: 'victim' })],
      rebalance: [encode(NimbusService, 'rebalance', { name: 'victim', waitSecs: 0, numWorkers: 1 })],
      downloadPackage: [encode(NimbusService, 'downloadPackage', { topologyId })],
      supervisorHeartbeat: [
        encode(NimbusService, 'supervisorHeartbeat', {
          supervisorId: 'forged-supervisor',
          host: '127.0.0.1',
          ports: [workers[0]!.port],
          workers: [
            {
              topologyId,
              port: workers[0]!.port,
              status: pb.WorkerStatus.WORKER_STATUS_RUNNING,
              errors: [{ component: 'forged', error: 'forged error', timeMs: Date.now() }],
            },
          ],
          servicePort: 1,
        }),
      ],
    };
    const tokenMethods = ['submitTopology', 'killTopology', 'activate', 'deactivate', 'rebalance'];
    const clusterMethods = ['downloadPackage', 'supervisorHeartbeat'];
    for (const name of [...tokenMethods, ...clusterMethods]) {
      const m = N(name);
      const wrong: Array<[string, grpc.Metadata]> = [
        ['no credential', new grpc.Metadata()],
        ['a wrong token', bearer('not-the-token')],
        ['a proof made with a wrong secret', clusterProof('not-the-secret', m, nimbus)],
        ['a proof for another address (one a fake leader collected)', clusterProof(CLUSTER_SECRET, m, '127.0.0.1:1')],
        ['a proof for another method', clusterProof(CLUSTER_SECRET, N('getLeader'), nimbus)],
        ['a proof ten minutes old', clusterProof(CLUSTER_SECRET, m, nimbus, Date.now() - 600_000)],
        [
          'a malformed proof',
          (() => {
            const md = new grpc.Metadata();
            md.set('x-squall-cluster-auth', `v1.${Date.now()}.${'0'.repeat(64)}`);
            return md;
          })(),
        ],
        // The people's and the daemons' credentials do not stand in for each other.
        tokenMethods.includes(name)
          ? ['the cluster credential on a people call', clusterProof(CLUSTER_SECRET, m, nimbus)]
          : ['the people token on a daemon call', bearer(TOKEN)],
      ];
      for (const [what, md] of wrong) {
        const r = await rawCall(nimbus, m, requests[name]!, md);
        assert.equal(r.code, grpc.status.UNAUTHENTICATED, `${name} with ${what}: ${grpc.status[r.code]} ${r.details}`);
        assert.equal(r.responses.length, 0, `${name} with ${what} got ${r.responses.length} responses`);
      }
    }
    // The positive controls: the right credentials work, so the refusals above are the credential's doing.
    const download = await rawCall(
      nimbus,
      N('downloadPackage'),
      requests.downloadPackage!,
      clusterProof(CLUSTER_SECRET, N('downloadPackage'), nimbus),
    );
    assert.equal(download.code, grpc.status.OK, download.details);
    const header = NimbusService.downloadPackage.responseDeserialize(download.responses[0]!).header;
    assert.ok(
      header?.topologyJson?.includes('"secret"') && /^[0-9a-f]{64}$/.test(header.signature ?? ''),
      'a daemon gets the signed header',
    );
    // Open reads answer, but a topology's config only goes to credential holders.
    for (const name of ['listTopologies', 'getClusterInfo', 'getLeader'])
      assert.equal((await rawCall(nimbus, N(name), [encode(NimbusService, name, {})])).code, grpc.status.OK, name);
    const comp = await rawCall(nimbus, N('getComponentInfo'), [
      encode(NimbusService, 'getComponentInfo', { topology: 'victim', component: 'words' }),
    ]);
    assert.equal(comp.code, grpc.status.OK, comp.details);
    const infoReq = [encode(NimbusService, 'getTopologyInfo', { idOrName: 'victim' })];
    const open = await rawCall(nimbus, N('getTopologyInfo'), infoReq);
    assert.equal(open.code, grpc.status.OK, open.details);
    assert.equal(
      NimbusService.getTopologyInfo.responseDeserialize(open.responses[0]!).confJson,
      '',
      'no config without a credential',
    );
    const withToken = await rawCall(nimbus, N('getTopologyInfo'), infoReq, bearer(TOKEN));
    assert.match(
      NimbusService.getTopologyInfo.responseDeserialize(withToken.responses[0]!).confJson,
      /topology\.workers/,
    );
    // Nothing changed: same topology, running, same workers; the forged supervisor is unknown to nimbus.
    const info = await cluster.clusterInfo();
    assert.ok(!info.supervisors.some((s) => s.id === 'forged-supervisor'), 'forged heartbeat not recorded');
    assert.equal(cluster.stats('victim').status, 'ACTIVE');
    assert.deepEqual(cluster.workerPids(topologyId).sort(), pidsBefore);
    const log = logOf(cluster, 'nimbus');
    for (const what of ['submit', 'kill', 'download', 'supervisor heartbeat'])
      assert.match(log, new RegExp(`refused unauthenticated ${what} from`), what);
  });

  test('the Supervisor service: a worker speaks only for its own topology; logs need the cluster credential; ids cannot walk paths', async () => {
    const w = workers[0]!;
    const sup = w.supervisorAddress;
    const HB = path_(SupervisorService, 'workerHeartbeat');
    const LOG = path_(SupervisorService, 'getWorkerLog');
    const beat = (id: string) => [
      encode(SupervisorService, 'workerHeartbeat', {
        topologyId: id,
        port: w.port,
        pid: 1,
        timeMs: Date.now(),
        executors: [],
        errors: [{ component: 'forged', error: 'x' }],
      }),
    ];
    const logReq = (id: string) => [
      encode(SupervisorService, 'getWorkerLog', { topologyId: id, port: w.port, offset: -4096, length: 4096 }),
    ];
    for (const [what, md] of [
      ['no credential', new grpc.Metadata()],
      ['the cluster credential (not a topology one)', clusterProof(CLUSTER_SECRET, HB, sup)],
      ['a wrong topology secret', topologyProof(topologyId, 'x'.repeat(48), HB, sup)],
      ['a topology this supervisor does not run', topologyProof('other-1-1', w.secret, HB, sup)],
      ['a proof for another address', topologyProof(topologyId, w.secret, HB, '127.0.0.1:1')],
    ] as Array<[string, grpc.Metadata]>) {
      const r = await rawCall(sup, HB, beat(topologyId), md);
      assert.equal(r.code, grpc.status.UNAUTHENTICATED, `worker heartbeat with ${what}: ${r.details}`);
    }
    const other = await rawCall(sup, HB, beat('other-1-1'), topologyProof(topologyId, w.secret, HB, sup));
    assert.equal(
      other.code,
      grpc.status.PERMISSION_DENIED,
      `one topology's credential for another's heartbeat: ${other.details}`,
    );
    const own = await rawCall(sup, HB, beat(topologyId), topologyProof(topologyId, w.secret, HB, sup));
    assert.equal(own.code, grpc.status.OK, `the worker's own credential: ${own.details}`);
    for (const [what, md] of [
      ['no credential', new grpc.Metadata()],
      ['the people token', bearer(TOKEN)],
      ['a topology credential', topologyProof(topologyId, w.secret, LOG, sup)],
      ['a wrong secret', clusterProof('nope', LOG, sup)],
    ] as Array<[string, grpc.Metadata]>) {
      const r = await rawCall(sup, LOG, logReq(topologyId), md);
      assert.equal(r.code, grpc.status.UNAUTHENTICATED, `log read with ${what}: ${r.details}`);
    }
    const ok = await rawCall(sup, LOG, logReq(topologyId), clusterProof(CLUSTER_SECRET, LOG, sup));
    assert.equal(ok.code, grpc.status.OK, ok.details);
    assert.ok(
      SupervisorService.getWorkerLog.responseDeserialize(ok.responses[0]!).data.length > 0,
      'the UI (cluster credential) reads the log',
    );
    for (const id of [
      '..',
      '../..',
      `../${path.basename(cluster.dir)}`,
      `${topologyId}/../../../../../../etc/passwd`,
      '....',
    ]) {
      const r = await rawCall(sup, LOG, logReq(id), clusterProof(CLUSTER_SECRET, LOG, sup));
      assert.equal(r.code, grpc.status.OK, r.details);
      assert.equal(
        SupervisorService.getWorkerLog.responseDeserialize(r.responses[0]!).data.length,
        0,
        `nothing read for ${id}`,
      );
    }
    const traversal = await rawCall(
      nimbus,
      path_(NimbusService, 'downloadPackage'),
      [encode(NimbusService, 'downloadPackage', { topologyId: '../../../etc/passwd' })],
      clusterProof(CLUSTER_SECRET, path_(NimbusService, 'downloadPackage'), nimbus),
    );
    assert.equal(traversal.code, grpc.status.NOT_FOUND, traversal.details);
    // The Worker service: Transfer needs a proof of the topology's secret in its metadata (a secret in Hello counts
    // for nothing); Ping is an open health check.
    const transfer = path_(WorkerService, 'transfer');
    const hello = encode(WorkerService, 'transfer', {
      hello: { topologyId, secret: w.secret, fromWorker: 'rogue:9', toWorker: w.address, codecVersion: 1 },
    });
    for (const [what, md] of [
      ['no proof, the secret in Hello', new grpc.Metadata()],
      ['a wrong secret', topologyProof(topologyId, 'guess', transfer, w.address)],
      ['a proof for another worker', topologyProof(topologyId, w.secret, transfer, '127.0.0.1:1')],
      ['a proof for another method', topologyProof(topologyId, w.secret, path_(WorkerService, 'ping'), w.address)],
      ['another topology named', topologyProof('other-1-1', w.secret, transfer, w.address)],
    ] as const) {
      const r = await rawCall(w.address, transfer, [hello], md);
      assert.equal(r.code, grpc.status.UNAUTHENTICATED, `${what}: ${grpc.status[r.code]} ${r.details}`);
      assert.equal(r.responses.length, 0, `${what}: no credit granted`);
    }
    // A real Squall client with the secret: its Hello is answered with credit.
    const worker = createWorkerClient(w.address, { topologyCredential: { topologyId, secret: w.secret } });
    try {
      const call = worker.transfer();
      const credit = new Promise<pb.TransferMessage>((resolve) => call.on('data', resolve));
      call.on('error', () => undefined);
      call.write({ hello: { topologyId, fromWorker: 'insider:9', toWorker: w.address, codecVersion: 1 } });
      const first = await Promise.race([credit, new Promise<undefined>((r) => setTimeout(() => r(undefined), 20000))]);
      call.cancel();
      assert.ok((first?.credit?.tupleLimit ?? 0) > 0, 'the proof holder gets credit');
    } finally {
      worker.close();
    }
    assert.equal(
      (await rawCall(w.address, path_(WorkerService, 'ping'), [encode(WorkerService, 'ping', { nonce: 7 })])).code,
      grpc.status.OK,
    );
    assert.deepEqual(cluster.workerPids(topologyId).sort(), pidsBefore);
  });

  test('random and oversized messages on every method are refused before decoding; the daemons stay up and small', async () => {
    const w = workers[0]!;
    const targets: Array<{
      address: string;
      def: RpcServiceDefinition;
      proof: (m: string) => grpc.Metadata;
      daemon?: string;
    }> = [
      {
        address: nimbus,
        def: NimbusService,
        proof: (m) => {
          const md = clusterProof(CLUSTER_SECRET, m, nimbus);
          md.set('authorization', `Bearer ${TOKEN}`);
          return md;
        },
        daemon: 'nimbus',
      },
      {
        address: w.supervisorAddress,
        def: SupervisorService,
        proof: (m) => {
          const md = m.endsWith('WorkerHeartbeat')
            ? topologyProof(topologyId, w.secret, m, w.supervisorAddress)
            : clusterProof(CLUSTER_SECRET, m, w.supervisorAddress);
          return md;
        },
      },
      { address: w.address, def: WorkerService, proof: (m) => topologyProof(topologyId, w.secret, m, w.address) },
    ];
    for (const t of targets)
      for (const method of Object.values(t.def)) {
        for (const bytes of [
          randomBytes(512),
          randomBytes(64 * 1024 + 1),
          Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]),
        ]) {
          const r = await rawCall(t.address, method.path, [bytes], t.proof(method.path));
          assert.ok(r.code !== undefined, `${method.path}: ended`);
        }
        // Over every per-method limit of nimbus and supervisor: refused by size, never decoded (the worker's batch
        // limit is larger: its own test below sends 32 MiB).
        if (t.def !== WorkerService) {
          const big = await rawCall(t.address, method.path, [randomBytes(5 * 1024 * 1024)], t.proof(method.path));
          assert.notEqual(big.code, grpc.status.OK, `${method.path}: 5 MiB accepted`);
          assert.ok(
            [
              grpc.status.RESOURCE_EXHAUSTED,
              grpc.status.INTERNAL,
              grpc.status.CANCELLED,
              grpc.status.UNAVAILABLE,
            ].includes(big.code),
            `${method.path}: ${grpc.status[big.code]} ${big.details}`,
          );
        }
      }
    // Within the server-wide limit but over a status read's: refused by the per-method limit, with a log line.
    const leader = await rawCall(nimbus, path_(NimbusService, 'getLeader'), [randomBytes(1024 * 1024)]);
    assert.notEqual(leader.code, grpc.status.OK);
    await eventually(
      'the size refusal in the nimbus log',
      () =>
        /exceeds the 65536-byte limit of \/squall\.v1\.Nimbus\/GetLeader/.test(logOf(cluster, 'nimbus')) || undefined,
      10000,
    );
    // The reported memory blow-up: megabytes of empty heartbeat entries, unauthenticated, in parallel. Not decoded now.
    const nimbusPid = cluster.daemons.find((d) => d.name === 'nimbus')!.child.pid!;
    const before = rssKiB(nimbusPid);
    const empties = Buffer.alloc(3.9 * 1024 * 1024);
    for (let i = 0; i + 1 < empties.length; i += 2) empties[i] = 0x3a; // field 7 (workers), length 0
    const results = await Promise.all(
      Array.from({ length: 8 }, () => rawCall(nimbus, path_(NimbusService, 'supervisorHeartbeat'), [empties])),
    );
    for (const r of results) assert.equal(r.code, grpc.status.UNAUTHENTICATED, r.details);
    const grown = rssKiB(nimbusPid) - before;
    assert.ok(grown < 120 * 1024, `nimbus grew by ${Math.round(grown / 1024)} MiB on unauthenticated heartbeats`);
    assert.deepEqual(daemonsAlive(cluster), []);
    assert.deepEqual(cluster.workerPids(topologyId).sort(), pidsBefore, 'no worker died');
  });

  test('Transfer: 32 MiB messages without a proof are refused unread, over the batch limit with one refused by size; the worker does not grow', async () => {
    const w = workers[0]!;
    const transfer = path_(WorkerService, 'transfer');
    const pid = cluster.workerPids(topologyId).find((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(w.dir))!;
    assert.ok(pid, `the pid of the worker in ${w.dir}`);
    const before = rssKiB(pid);
    const big = randomBytes(32 * 1024 * 1024);
    const unproven = await Promise.all(Array.from({ length: 4 }, () => rawCall(w.address, transfer, [big])));
    for (const r of unproven) assert.equal(r.code, grpc.status.UNAUTHENTICATED, `${grpc.status[r.code]} ${r.details}`);
    const wrong = await rawCall(w.address, transfer, [big], topologyProof(topologyId, 'guess', transfer, w.address));
    assert.equal(wrong.code, grpc.status.UNAUTHENTICATED, wrong.details);
    // With the proof, the receive limit is a batch's: topology.max.tuple.bytes (8 MiB) plus 1 MiB, not 32 MiB.
    const insider = await rawCall(w.address, transfer, [big], topologyProof(topologyId, w.secret, transfer, w.address));
    assert.equal(insider.code, grpc.status.RESOURCE_EXHAUSTED, insider.details);
    const grown = rssKiB(pid) - before;
    assert.ok(
      grown < 24 * 1024,
      `the worker grew by ${Math.round(grown / 1024)} MiB on 5 unauthenticated 32 MiB messages`,
    );
    assert.match(
      readFileSync(path.join(w.dir, 'worker.log'), 'utf8'),
      /refused unauthenticated transfer from \S+: no topology named/,
    );
    assert.deepEqual(cluster.workerPids(topologyId).sort(), pidsBefore, 'no worker died');
  });

  test('a daemon credential holder cannot grow ZooKeeper: errors of unknown components or topologies are dropped', async () => {
    const M = path_(NimbusService, 'supervisorHeartbeat');
    const errors = Array.from({ length: 200 }, (_, i) => ({
      component: `spam-${i}`,
      error: 'x'.repeat(100),
      timeMs: Date.now(),
    }));
    const beat = encode(NimbusService, 'supervisorHeartbeat', {
      supervisorId: 'insider',
      host: '127.0.0.1',
      workers: [
        { topologyId, port: 1, status: pb.WorkerStatus.WORKER_STATUS_DEAD, errors },
        { topologyId: 'ghost-1-1', port: 2, errors },
        { topologyId: '..', port: 3, errors },
      ],
    });
    const r = await rawCall(nimbus, M, [beat], clusterProof(CLUSTER_SECRET, M, nimbus));
    assert.equal(r.code, grpc.status.INVALID_ARGUMENT, `an unsafe topology id is refused: ${r.details}`);
    const fine = encode(NimbusService, 'supervisorHeartbeat', {
      supervisorId: 'insider',
      host: '127.0.0.1',
      workers: [
        { topologyId, port: 1, errors },
        { topologyId: 'ghost-1-1', port: 2, errors },
      ],
    });
    assert.equal((await rawCall(nimbus, M, [fine], clusterProof(CLUSTER_SECRET, M, nimbus))).code, grpc.status.OK);
    const tooMany = encode(NimbusService, 'supervisorHeartbeat', {
      supervisorId: 'insider',
      workers: Array.from({ length: 2000 }, () => ({ topologyId, port: 1 })),
    });
    assert.equal(
      (await rawCall(nimbus, M, [tooMany], clusterProof(CLUSTER_SECRET, M, nimbus))).code,
      grpc.status.INVALID_ARGUMENT,
    );
    const owner = await zkSession(cluster.zk.port, ZK_SECRET);
    try {
      await eventually(
        'the drop to be logged',
        () => /dropped an error of unknown component \\?"spam-/.test(logOf(cluster, 'nimbus')) || undefined,
        10000,
      );
      const ours = await zk.children(owner, `/squall/errors/${topologyId}`);
      assert.ok(!(ours.children ?? []).some((c) => c.startsWith('spam-')), `error nodes: ${ours.children?.join(', ')}`);
      const ghost = await zk.children(owner, '/squall/errors/ghost-1-1');
      assert.equal(zkCode(ghost.err), ZkException.NO_NODE);
    } finally {
      owner.close();
    }
  });

  test('ZooKeeper without the ACL secret: assignments, leader and digests can be neither read nor rewritten', async () => {
    const anon = await zkSession(cluster.zk.port);
    try {
      for (const p of [
        `/squall/assignments/${topologyId}`,
        `/squall/storms/${topologyId}`,
        '/squall/leader-lock',
        '/squall',
      ]) {
        assert.equal(zkCode((await zk.getData(anon, p)).err), ZkException.NO_AUTH, `read ${p}`);
        assert.equal(
          zkCode(await zk.setData(anon, p, Buffer.from('{"version":1}'))),
          ZkException.NO_AUTH,
          `write ${p}`,
        );
      }
      assert.equal(
        zkCode(await zk.create(anon, '/squall/assignments/evil-1-1', Buffer.from('{}'))),
        ZkException.NO_AUTH,
      );
      assert.equal(
        zkCode(await zk.create(anon, '/squall/leader-lock/x-n_0000000000', Buffer.from('{}'))),
        ZkException.NO_AUTH,
      );
    } finally {
      anon.close();
    }
  });

  test('a ZooKeeper writer with the ACL secret but not the cluster credential cannot make supervisors run anything, nor collect a credential', async () => {
    const owner = await zkSession(cluster.zk.port, ZK_SECRET);
    const fake = new grpc.Server();
    const seen: grpc.Metadata[] = [];
    try {
      // 1. Tampered assignment (digest and a slot moved): refused by the supervisors, rewritten by nimbus.
      const aPath = `/squall/assignments/${topologyId}`;
      const original = (await zk.getData(owner, aPath)).data!;
      const doc = JSON.parse(original.toString('utf8')) as {
        packageDigest: string;
        executors: Array<{ port: number }>;
      };
      assert.match(doc.packageDigest, /^[0-9a-f]{64}$/, 'nimbus writes the digest into the assignment');
      assert.equal(
        await zk.setData(owner, aPath, Buffer.from(JSON.stringify({ ...doc, packageDigest: 'e'.repeat(64) }))),
        null,
      );
      await eventually(
        'a supervisor to refuse the tampered assignment',
        () =>
          cluster.daemons.some(
            (d) =>
              d.name.startsWith('supervisor') &&
              /refused the assignment of .* its signature does not match/.test(readFileSync(d.log, 'utf8')),
          ) || undefined,
        15000,
      );
      await eventually(
        'nimbus to rewrite it',
        () => /rewriting the assignment of/.test(logOf(cluster, 'nimbus')) || undefined,
        15000,
      );
      // 2. The storm's digest rewritten: nimbus keeps signing the digest it stored; supervisors use the signed one.
      const sPath = `/squall/storms/${topologyId}`;
      const storm = (await zk.getData(owner, sPath)).data!;
      const base = JSON.parse(storm.toString('utf8')) as Record<string, unknown>;
      assert.equal(
        await zk.setData(owner, sPath, Buffer.from(JSON.stringify({ ...base, packageDigest: 'f'.repeat(64) }))),
        null,
      );
      await eventually(
        'nimbus to notice the foreign digest',
        () => /names package f{64}, but this nimbus stored/.test(logOf(cluster, 'nimbus')) || undefined,
        15000,
      );
      assert.equal(await zk.setData(owner, sPath, storm), null);
      // 3. An unsigned assignment of a made-up topology onto a free slot, and ids that would walk out of a directory.
      const freeSlot = (await cluster.clusterInfo()).supervisors.find((s) => (s.slotsUsed ?? 0) < (s.slotsTotal ?? 0));
      for (const id of ['evil-1-1', '..%2F..%2Fescape']) {
        const forged = {
          version: 1,
          executors: [{ component: 'words', startTask: 1, endTask: 1, supervisorId: freeSlot?.id ?? 'x', port: 1 }],
          workers: [],
          startTimes: {},
          packageDigest: 'a'.repeat(64),
        };
        assert.equal(
          await zk.create(owner, `/squall/storms/${id}`, Buffer.from(JSON.stringify({ ...base, name: 'evil' }))),
          null,
        );
        assert.equal(await zk.create(owner, `/squall/assignments/${id}`, Buffer.from(JSON.stringify(forged))), null);
      }
      await eventually(
        'the supervisors to refuse both',
        () => {
          const logs = cluster.daemons
            .filter((d) => d.name.startsWith('supervisor'))
            .map((d) => readFileSync(d.log, 'utf8'))
            .join('\n');
          return (
            (/refused the assignment of \\?"evil-1-1\\?".*not signed/.test(logs) &&
              /refused the assignment of \\?"\.\.\/\.\.\/escape\\?".*not a safe id/.test(logs)) ||
            undefined
          );
        },
        15000,
      );
      await eventually(
        'nimbus to ignore the unsafe id',
        () =>
          /ignoring topology \\?"\.\.\/\.\.\/escape\\?" in ZooKeeper: not a safe id/.test(logOf(cluster, 'nimbus')) ||
          undefined,
        15000,
      );
      assert.ok(
        !existsSync(path.join(cluster.dir, 'escape')) && !existsSync(path.join(path.dirname(cluster.dir), 'escape')),
        'nothing written outside',
      );
      assert.ok(existsSync(path.join(cluster.dir, 'nimbus')), "nimbus's dir is intact");
      for (const sup of readdirSync(cluster.dir).filter((d) => d.startsWith('supervisor-'))) {
        const dir = path.join(cluster.dir, sup, 'supervisor', 'workers');
        assert.ok(
          !existsSync(dir) || readdirSync(dir).every((d) => d.startsWith(topologyId)),
          `${sup} started nothing else: ${existsSync(dir) ? readdirSync(dir).join(', ') : ''}`,
        );
      }
      for (const id of ['evil-1-1', '..%2F..%2Fescape']) {
        await zk.remove(owner, `/squall/assignments/${id}`);
        await zk.remove(owner, `/squall/storms/${id}`);
      }
      // 4. A fake leader: supervisors' proofs are bound to its address, so replaying them to the real nimbus fails;
      //    the CLI, asked through the real nimbus, will not send its token there.
      const record = (call: { metadata: grpc.Metadata }) => seen.push(call.metadata);
      fake.addService(
        NimbusService as unknown as grpc.ServiceDefinition,
        {
          supervisorHeartbeat: (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
            record(call);
            cb(null, {});
          },
          getLeader: (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
            record(call);
            cb(null, { host: '127.0.0.1', port: fakePort });
          },
          listTopologies: (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
            record(call);
            cb(null, { topologies: [] });
          },
        } as unknown as grpc.UntypedServiceImplementation,
      );
      const fakePort = await new Promise<number>((resolve, reject) =>
        fake.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
      );
      const lock = (await zk.children(owner, '/squall/leader-lock')).children!.sort((a, b) =>
        a.slice(a.lastIndexOf('n_')).localeCompare(b.slice(b.lastIndexOf('n_'))),
      );
      const leaderNode = `/squall/leader-lock/${lock[0]}`;
      const leaderData = (await zk.getData(owner, leaderNode)).data!;
      const leaderDoc = JSON.parse(leaderData.toString('utf8')) as Record<string, unknown>;
      assert.equal(
        await zk.setData(
          owner,
          leaderNode,
          Buffer.from(JSON.stringify({ ...leaderDoc, address: `127.0.0.1:${fakePort}` })),
        ),
        null,
      );
      try {
        const proof = await eventually(
          'a supervisor heartbeat at the fake leader',
          () => seen.find((m) => m.get('x-squall-cluster-auth').length > 0),
          15000,
        );
        const cli = spawnSync(process.execPath, [SQUALL, 'list', '-c', `nimbus.seeds=${JSON.stringify([nimbus])}`], {
          cwd: ROOT,
          encoding: 'utf8',
          timeout: 30000,
          env: { ...process.env, SQUALL_NIMBUS_AUTH_TOKEN: TOKEN },
        });
        assert.equal(cli.status, 1, cli.stdout);
        assert.match(
          cli.stderr,
          new RegExp(`the leader is 127\\.0\\.0\\.1:${fakePort}, which is not in nimbus\\.seeds`),
        );
        for (const name of ['downloadPackage', 'supervisorHeartbeat']) {
          const md = new grpc.Metadata();
          md.set('x-squall-cluster-auth', proof.get('x-squall-cluster-auth')[0] as string);
          const r = await rawCall(
            nimbus,
            path_(NimbusService, name),
            [encode(NimbusService, name, name === 'downloadPackage' ? { topologyId } : { supervisorId: 'replayed' })],
            md,
          );
          assert.equal(r.code, grpc.status.UNAUTHENTICATED, `a replayed proof on ${name}: ${r.details}`);
        }
      } finally {
        assert.equal(await zk.setData(owner, leaderNode, leaderData), null);
      }
      assert.ok(
        seen.every((m) => m.get('authorization').length === 0),
        'the token never reached the fake leader',
      );
    } finally {
      owner.close();
      fake.forceShutdown();
    }
  });

  test('after every attack: all daemons up, the same workers, and every tuple of the victim acked', async () => {
    assert.deepEqual(daemonsAlive(cluster), []);
    assert.deepEqual(cluster.workerPids(topologyId).sort(), pidsBefore, 'no worker was restarted or replaced');
    await allAcked(cluster, 'victim', WORDS, 240000);
    assert.deepEqual(daemonsAlive(cluster), []);
  });
});
