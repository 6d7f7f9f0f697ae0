import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createClient as createZkClient, Exception as ZkException, type ACL } from 'node-zookeeper-client';
import {
  callProof,
  createNimbusClient,
  createWorkerClient,
  encodeBatch,
  pb,
  TOPOLOGY_AUTH_METADATA_KEY,
  TOPOLOGY_ID_METADATA_KEY,
  type WorkerClient,
} from '@squall/protocol';
import { ROOT, SQUALL, TestCluster, eventually } from '../harness/test-cluster';

const FIXTURE = path.join(ROOT, 'test/fixtures/finite-wordcount.ts');
const TOKEN = 'right-token-0123456789';
const ZK_SECRET = 'zk-digest-secret';

/** A topology that keeps emitting (paced) for the whole test. */
const ENDLESS = {
  'squall.test.words': 100000000,
  'squall.test.pause.every': 50,
  'squall.test.pause.ms': 20,
  'topology.workers': 2,
};

function confArgs(conf: Record<string, unknown>): string[] {
  return Object.entries(conf).flatMap(([k, v]) => ['-c', `${k}=${JSON.stringify(v)}`]);
}

/** `squall <args> --nimbus <leader>` with `env` added to the environment. */
function cliEnv(
  cluster: TestCluster,
  args: string[],
  env: Record<string, string> = {},
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [SQUALL, ...args, '--nimbus', cluster.nimbusAddress], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60000,
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Emitted count of the word spout, from `squall stats` (a read: no token needed). */
function emitted(cluster: TestCluster, name: string): number {
  return cluster.stats(name).components.words?.emitted ?? 0;
}

/** Waits until the spout's emitted count passes what it is now: the topology is alive and running. */
async function stillRunning(cluster: TestCluster, name: string): Promise<void> {
  const before = emitted(cluster, name);
  await eventually(
    `${name} to keep emitting past ${before}`,
    () => emitted(cluster, name) > before || undefined,
    60000,
  );
  const s = cluster.stats(name);
  assert.equal(s.status, 'ACTIVE');
}

/** The launch file of one worker of `topologyId`: address and the topology's secret. */
function workerLaunch(cluster: TestCluster, topologyId: string): { address: string; secret: string; dir: string } {
  for (const sup of readdirSync(cluster.dir).filter((d) => d.startsWith('supervisor-'))) {
    const workers = path.join(cluster.dir, sup, 'supervisor', 'workers');
    if (!existsSync(workers)) continue;
    for (const w of readdirSync(workers).filter((d) => d.startsWith(topologyId))) {
      const file = path.join(workers, w, 'launch.json');
      if (!existsSync(file)) continue;
      const l = JSON.parse(readFileSync(file, 'utf8')) as { host: string; port: number; topology: { secret: string } };
      return { address: `${l.host}:${l.port}`, secret: l.topology.secret, dir: path.join(workers, w) };
    }
  }
  throw new Error(`no worker launch file of ${topologyId}`);
}

/** Opens a Transfer stream, writes `messages`, and resolves with the status the worker ends it with. */
async function transferStatus(client: WorkerClient, messages: pb.ITransferMessage[]): Promise<grpc.StatusObject> {
  const call = client.transfer();
  const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
  call.on('error', () => {
    /* the status carries it */
  });
  call.on('data', () => {
    /* credit */
  });
  for (const m of messages) call.write(m);
  const s = await Promise.race([status, new Promise<undefined>((r) => setTimeout(() => r(undefined), 20000))]);
  call.cancel();
  if (!s) throw new Error('the worker neither refused nor closed the stream within 20 s');
  return s;
}

/** Sends raw bytes (not a TransferMessage) as one message of a Transfer stream, with a proof of `secret`. */
async function rawTransferStatus(
  address: string,
  topologyId: string,
  secret: string,
  bytes: Buffer,
): Promise<grpc.StatusObject> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  try {
    const metadata = new grpc.Metadata();
    metadata.set(TOPOLOGY_ID_METADATA_KEY, topologyId);
    metadata.set(TOPOLOGY_AUTH_METADATA_KEY, callProof(secret, '/squall.v1.Worker/Transfer', address));
    const call = client.makeBidiStreamRequest<Buffer, Buffer>(
      '/squall.v1.Worker/Transfer',
      (b) => b,
      (b) => b,
      metadata,
    );
    const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    call.on('error', () => {
      /* the status carries it */
    });
    call.on('data', () => {
      /* none expected */
    });
    call.write(bytes);
    const s = await Promise.race([status, new Promise<undefined>((r) => setTimeout(() => r(undefined), 20000))]);
    call.cancel();
    if (!s) throw new Error('the worker neither refused nor closed the raw stream within 20 s');
    return s;
  } finally {
    client.close();
  }
}

const workerLog = (dir: string) => readFileSync(path.join(dir, 'worker.log'), 'utf8');

describe('auth token, topology secret and ZooKeeper ACLs', () => {
  let cluster: TestCluster;
  let topologyId: string;

  before(async () => {
    cluster = await TestCluster.start({
      supervisors: 2,
      slotsPerSupervisor: 2,
      conf: { 'nimbus.auth.token': TOKEN, 'storm.zookeeper.auth.secret': ZK_SECRET },
    });
  });
  after(async () => {
    await cluster?.shutdown();
  });

  test('submit without a token or with a wrong one is refused with one clear line; with the token it runs', () => {
    const args = [
      'submit',
      FIXTURE,
      '--name',
      'sec',
      ...confArgs({ ...ENDLESS, 'squall.test.dir': cluster.outputDir('sec') }),
    ];
    for (const env of [
      {},
      { SQUALL_NIMBUS_AUTH_TOKEN: 'wrong-token' },
      { SQUALL_NIMBUS_AUTH_TOKEN: TOKEN.slice(0, -1) },
    ] as Array<Record<string, string>>) {
      const r = cliEnv(cluster, args, env);
      assert.equal(r.code, 1, r.stdout);
      // The upload progress bar may precede it; the error itself is one line.
      const lines = r.stderr
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('uploading'));
      assert.equal(lines.length, 1, `one line: ${r.stderr}`);
      assert.match(r.stderr, /unauthenticated: this cluster requires a valid nimbus\.auth\.token/);
    }
    assert.equal(cluster.cli(['list']).stdout.includes('sec'), false, 'nothing was submitted');
    const ok = cliEnv(cluster, [...args, '--json'], { SQUALL_NIMBUS_AUTH_TOKEN: TOKEN });
    assert.equal(ok.code, 0, ok.stderr);
    topologyId = (JSON.parse(ok.stdout) as { topologyId: string }).topologyId;
  });

  test('kill, activate, deactivate and rebalance without the token are refused and logged; the topology keeps running', async () => {
    await eventually('sec to run on 2 workers', () => cluster.stats('sec').workers.length === 2 || undefined, 60000);
    await stillRunning(cluster, 'sec');
    const attempts: string[][] = [
      ['kill', 'sec', '-w', '0'],
      ['deactivate', 'sec'],
      ['activate', 'sec'],
      ['rebalance', 'sec', '-w', '0', '-n', '1'],
    ];
    for (const args of attempts)
      for (const env of [{}, { SQUALL_NIMBUS_AUTH_TOKEN: 'not-the-token' }] as Array<Record<string, string>>) {
        const r = cliEnv(cluster, args, env);
        assert.equal(r.code, 1, `${args.join(' ')} should fail: ${r.stdout}`);
        assert.match(
          r.stderr,
          /^.*unauthenticated: this cluster requires a valid nimbus\.auth\.token\s*$/,
          args.join(' '),
        );
      }
    const nimbusLog = readFileSync(cluster.daemons.find((d) => d.name === 'nimbus')!.log, 'utf8');
    for (const what of ['submit', 'kill', 'deactivate', 'activate', 'rebalance'])
      assert.match(nimbusLog, new RegExp(`refused unauthenticated ${what} from`), what);
    const s = cluster.stats('sec');
    assert.equal(s.workers.length, 2, 'rebalance to 1 worker did not happen');
    await stillRunning(cluster, 'sec');
    // Reads stay open.
    assert.equal(cluster.cli(['list']).code, 0);
  });

  test('a raw gRPC call with a bad bearer token gets UNAUTHENTICATED; a read needs none', async () => {
    const bad = createNimbusClient(cluster.nimbusAddress, { authToken: 'x' });
    const none = createNimbusClient(cluster.nimbusAddress);
    try {
      const err = await new Promise<grpc.ServiceError | null>((resolve) =>
        bad.killTopology({ name: 'sec', waitSecs: 0 }, (e) => resolve(e)),
      );
      assert.equal(err?.code, grpc.status.UNAUTHENTICATED);
      const err2 = await new Promise<grpc.ServiceError | null>((resolve) =>
        none.deactivate({ name: 'sec' }, (e) => resolve(e)),
      );
      assert.equal(err2?.code, grpc.status.UNAUTHENTICATED);
      const list = await new Promise<pb.ListTopologiesResponse>((resolve, reject) =>
        none.listTopologies({}, (e, r) => (e ? reject(e) : resolve(r!))),
      );
      assert.ok(list.topologies.some((t) => t.name === 'sec'));
    } finally {
      bad.close();
      none.close();
    }
    await stillRunning(cluster, 'sec');
  });

  test('a rogue Transfer stream without a proof of the secret, with a wrong one, for another worker, or without Hello is refused and logged', async () => {
    const w = workerLaunch(cluster, topologyId);
    const pidsBefore = cluster.workerPids(topologyId).sort();
    const hello = (from: string) => ({ hello: { topologyId, fromWorker: from, toWorker: w.address, codecVersion: 1 } });
    // The secret in Hello no longer counts: only the proof in the call's metadata does.
    const none = createWorkerClient(w.address);
    const wrong = createWorkerClient(w.address, {
      topologyCredential: { topologyId, secret: `${w.secret.slice(0, -1)}x` },
    });
    const right = createWorkerClient(w.address, { topologyCredential: { topologyId, secret: w.secret } });
    try {
      const noProof = await transferStatus(none, [{ hello: { ...hello('rogue:1').hello, secret: w.secret } }]);
      assert.equal(noProof.code, grpc.status.UNAUTHENTICATED, noProof.details);
      const bad = await transferStatus(wrong, [hello('rogue:2')]);
      assert.equal(bad.code, grpc.status.UNAUTHENTICATED, bad.details);
      // A proof made for another address (say captured at another worker) is refused here.
      const elsewhere = new grpc.Client(w.address, grpc.credentials.createInsecure());
      try {
        const md = new grpc.Metadata();
        md.set(TOPOLOGY_ID_METADATA_KEY, topologyId);
        md.set(TOPOLOGY_AUTH_METADATA_KEY, callProof(w.secret, '/squall.v1.Worker/Transfer', '127.0.0.1:1'));
        const call = elsewhere.makeBidiStreamRequest<Buffer, Buffer>(
          '/squall.v1.Worker/Transfer',
          (b) => b,
          (b) => b,
          md,
        );
        const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
        call.on('error', () => undefined);
        call.end();
        assert.equal((await status).code, grpc.status.UNAUTHENTICATED);
      } finally {
        elsewhere.close();
      }
      const batch = encodeBatch([{ targetTask: 1, sourceTask: 1, stream: 'default', anchors: null, values: ['evil'] }]);
      const noHello = await transferStatus(right, [{ batch: { seq: 1, count: 1, payload: batch } }]);
      assert.equal(noHello.code, grpc.status.FAILED_PRECONDITION);
      assert.match(noHello.details, /first message must be Hello/);
    } finally {
      none.close();
      wrong.close();
      right.close();
    }
    const log = workerLog(w.dir);
    assert.match(log, /refused unauthenticated transfer from \S+: no topology named/);
    assert.match(log, /refused unauthenticated transfer from \S+: wrong credential/);
    assert.match(log, /refused transfer stream: first message must be Hello/);
    assert.deepEqual(cluster.workerPids(topologyId).sort(), pidsBefore, 'no worker died or restarted');
    await stillRunning(cluster, 'sec');
  });

  test('malformed Transfer input from a client holding the secret is refused and logged; the worker stays up', async () => {
    const w = workerLaunch(cluster, topologyId);
    const pidsBefore = cluster.workerPids(topologyId).sort();
    const hello = { hello: { topologyId, fromWorker: 'rogue:3', toWorker: w.address, codecVersion: 1 } };
    // Magic and version right, then one tuple whose string value declares a length of 2^35 bytes.
    const hugeLength = Buffer.from([
      0x53, 1, 1, 0, 0, 0, 2, 2, 0, 1, 0x61, 0, 1, 6, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x61,
    ]);
    const cases: Array<{ what: string; batch: pb.ITupleBatch; detail: RegExp }> = [
      {
        what: 'garbage payload',
        batch: { seq: 1, count: 1, payload: Buffer.from('this is not a tuple batch at all') },
        detail: /bad batch from rogue:3: invalid tuple batch/,
      },
      {
        what: 'huge declared length',
        batch: { seq: 1, count: 1, payload: hugeLength },
        detail: /bad batch from rogue:3: invalid tuple batch/,
      },
      {
        what: 'truncated batch',
        batch: {
          seq: 1,
          count: 3,
          payload: encodeBatch([
            { targetTask: 1, sourceTask: 1, stream: 'default', anchors: null, values: ['a'] },
          ]).subarray(0, 9),
        },
        detail: /bad batch from rogue:3/,
      },
      {
        what: 'absurd tuple count',
        batch: {
          seq: 1,
          count: 4000000000,
          payload: encodeBatch([{ targetTask: 1, sourceTask: 1, stream: 'default', anchors: null, values: ['a'] }]),
        },
        detail: /bad batch from rogue:3: declares 4000000000 tuples but holds 1/,
      },
    ];
    const client = createWorkerClient(w.address, { topologyCredential: { topologyId, secret: w.secret } });
    try {
      for (const c of cases) {
        const s = await transferStatus(client, [hello, { batch: c.batch }]);
        assert.equal(s.code, grpc.status.INVALID_ARGUMENT, `${c.what}: ${s.details}`);
        assert.match(s.details, c.detail, c.what);
      }
    } finally {
      client.close();
    }
    // Bytes that are not a TransferMessage at all reach grpc-js's decoder, not ours.
    const raw = await rawTransferStatus(
      w.address,
      topologyId,
      w.secret,
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x34]),
    );
    assert.notEqual(raw.code, grpc.status.OK, 'undecodable message refused');
    assert.equal(raw.code, grpc.status.INTERNAL);
    assert.match(raw.details, /Error deserializing request/);
    const log = workerLog(w.dir);
    assert.match(log, /refused transfer stream: bad batch from rogue:3: invalid tuple batch/);
    assert.match(log, /refused transfer stream: bad batch from rogue:3: declares 4000000000 tuples but holds 1/);
    assert.match(log, /refused an undecodable 8-byte message on \/squall\.v1\.Worker\/Transfer/);
    assert.deepEqual(cluster.workerPids(topologyId).sort(), pidsBefore, 'no worker died or restarted');
    await stillRunning(cluster, 'sec');
  });

  test('with storm.zookeeper.auth.secret set, an unauthenticated ZooKeeper client can neither read nor write under the root', async () => {
    const connect = async (auth?: string) => {
      const zk = createZkClient(`127.0.0.1:${cluster.zk.port}`, { sessionTimeout: 6000, retries: 0 });
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('ZooKeeper connect timed out')), 15000);
        zk.once('connected', () => {
          clearTimeout(t);
          resolve();
        });
        zk.connect();
      });
      if (auth) zk.addAuthInfo('digest', Buffer.from(auth));
      return zk;
    };
    const code = (err: unknown) => (err as { getCode?: () => number } | null)?.getCode?.();
    const anon = await connect();
    const owner = await connect(`squall:${ZK_SECRET}`);
    try {
      const rootChildren = await new Promise<{ err: unknown; children?: string[] }>((r) =>
        anon.getChildren('/squall', (err, children) => r({ err, children })),
      );
      assert.equal(code(rootChildren.err), ZkException.NO_AUTH, `list /squall: ${String(rootChildren.err)}`);
      const storms = await new Promise<{ err: unknown }>((r) =>
        anon.getData(`/squall/storms/${topologyId}`, (err) => r({ err })),
      );
      assert.ok([ZkException.NO_AUTH].includes(code(storms.err)!), `read a storm: ${String(storms.err)}`);
      const created = await new Promise<{ err: unknown }>((r) =>
        anon.create('/squall/rogue', Buffer.from('x'), (err) => r({ err })),
      );
      assert.equal(code(created.err), ZkException.NO_AUTH, `create under /squall: ${String(created.err)}`);
      const removed = await new Promise<{ err: unknown }>((r) =>
        anon.remove(`/squall/storms/${topologyId}`, -1, (err) => r({ err })),
      );
      assert.ok(removed.err, 'remove a storm refused');
      const acls = await new Promise<{ err: unknown; acls?: ACL[] }>((r) =>
        owner.getACL('/squall', (err, a) => r({ err, acls: a })),
      );
      assert.ok(
        acls.acls?.every((a) => a.id.scheme === 'digest'),
        `root ACL is digest only: ${JSON.stringify(acls.acls)}`,
      );
      // The positive control: the secret's holder reads the same node.
      const mine = await new Promise<{ err: unknown; data?: Buffer }>((r) =>
        owner.getData(`/squall/storms/${topologyId}`, (err, data) => r({ err, data })),
      );
      assert.equal(mine.err, null);
      assert.match(String(mine.data), /sec/);
    } finally {
      anon.close();
      owner.close();
    }
    await stillRunning(cluster, 'sec');
  });
});

/** Makes a throwaway CA and a server certificate for 127.0.0.1/localhost with openssl; returns the file paths. */
function makeCerts(dir: string): { ca: string; cert: string; key: string } {
  mkdirSync(dir, { recursive: true });
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
  };
  run([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=squall-test-ca',
  ]);
  run([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  ]);
  writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
  ]);
  return { ca: path.join(dir, 'ca.pem'), cert: path.join(dir, 'server.pem'), key: path.join(dir, 'server.key') };
}

describe('TLS', () => {
  let cluster: TestCluster;
  let tls: { ca: string; cert: string; key: string };
  let certDir = '';

  before(async () => {
    certDir = mkdtempSync(path.join(tmpdir(), 'squall-tls-'));
    tls = makeCerts(certDir);
    // Two nimbuses, so the standby's package copy (nimbus to nimbus) goes over TLS too.
    cluster = await TestCluster.start({
      supervisors: 2,
      slotsPerSupervisor: 1,
      nimbuses: 2,
      conf: { 'squall.tls.ca': tls.ca, 'squall.tls.cert': tls.cert, 'squall.tls.key': tls.key },
    });
  });
  after(async () => {
    await cluster?.shutdown();
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  });

  test('a cluster with squall.tls.* runs a topology across workers; plaintext clients are refused', async () => {
    const caArgs = ['-c', `squall.tls.ca=${tls.ca}`];
    const out = cluster.outputDir('tls-wc');
    const r = cluster.cli([
      'submit',
      FIXTURE,
      '--name',
      'tls-wc',
      '--json',
      ...caArgs,
      ...confArgs({ 'squall.test.words': 2000, 'topology.workers': 2, 'squall.test.dir': out }),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const id = (JSON.parse(r.stdout) as { topologyId: string }).topologyId;
    const stats = () => {
      const s = cluster.cli(['stats', 'tls-wc', '--json', ...caArgs]);
      assert.equal(s.code, 0, s.stderr);
      return JSON.parse(s.stdout) as {
        components: Record<string, { acked: number; transferred: number }>;
        workers: unknown[];
      };
    };
    const done = await eventually(
      'all 2000 words acked over TLS between 2 workers',
      () => {
        const s = stats();
        return s.components.words!.acked === 2000 ? s : undefined;
      },
      120000,
    );
    assert.equal(done.workers.length, 2);
    const standbyLog = () => readFileSync(cluster.daemons.find((d) => d.name === 'nimbus-1')!.log, 'utf8');
    await eventually(
      'the standby to copy the package over TLS',
      () => standbyLog().includes(`replicated the package of ${id}`) || undefined,
      60000,
    );
    // grpc-js's IP server name would make Node print DEP0123 in every CLI command and daemon log; it is muted.
    assert.doesNotMatch(r.stderr, /DeprecationWarning/);
    for (const d of cluster.daemons) assert.doesNotMatch(readFileSync(d.log, 'utf8'), /DEP0123/, d.name);
    assert.ok(cluster.workerLogs(id).every((l) => !l.includes('DEP0123')));
    // Plaintext CLI against the TLS nimbus: a clear failure, not a hang.
    const plain = cluster.cli(['list'], 60000);
    assert.equal(plain.code, 1);
    assert.match(plain.stderr, /cannot reach nimbus/);
    // A plaintext client straight at a worker's port is refused as well.
    const w = workerLaunch(cluster, id);
    const client = createWorkerClient(w.address, { topologyCredential: { topologyId: id, secret: w.secret } });
    try {
      const s = await transferStatus(client, [{ hello: { topologyId: id, fromWorker: 'plain:1', codecVersion: 1 } }]);
      assert.equal(s.code, grpc.status.UNAVAILABLE, s.details);
    } finally {
      client.close();
    }
    // A TLS client that does not trust the CA is refused too.
    const strangerCa = makeCerts(path.join(cluster.dir, 'stranger'));
    const stranger = cluster.cli(['list', '-c', `squall.tls.ca=${strangerCa.ca}`], 60000);
    assert.equal(stranger.code, 1);
    // A missing CA file is a clear configuration error.
    const missing = cluster.cli(['list', '-c', 'squall.tls.ca=/nonexistent/ca.pem']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read squall\.tls\.ca file \/nonexistent\/ca\.pem/);
  });
});
