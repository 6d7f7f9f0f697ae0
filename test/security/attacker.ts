/**
 * The attacker's tools for the security suite: raw gRPC calls with chosen bytes and metadata (no Squall client code
 * between the test and the wire), credential proofs made right and wrong, and ZooKeeper clients with and without the
 * ACL secret. Everything here talks to a real cluster started by {@link startHardenedCluster}.
 */
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createClient as createZkClient, type Client as ZkClient } from 'node-zookeeper-client';
import {
  callProof,
  CLUSTER_AUTH_METADATA_KEY,
  TOPOLOGY_AUTH_METADATA_KEY,
  TOPOLOGY_ID_METADATA_KEY,
} from '@squall/protocol';
import { ROOT, TestCluster, eventually } from '../harness/test-cluster';

/** The people's token, the daemons' secret and the ZooKeeper ACL secret of the hardened cluster. */
export const TOKEN = 'people-token-0123456789abcdef';
export const CLUSTER_SECRET = 'daemon-secret-fedcba9876543210';
export const ZK_SECRET = 'zk-acl-secret-4242';

/** A finite word count the suite checks for loss at the end. */
export const FIXTURE = path.join(ROOT, 'test/fixtures/finite-wordcount.ts');

/** Config of every daemon of the hardened cluster: token + cluster credential + ZooKeeper ACLs. */
export const HARDENED: Record<string, unknown> = {
  'nimbus.auth.token': TOKEN,
  'squall.cluster.secret': CLUSTER_SECRET,
  'storm.zookeeper.auth.secret': ZK_SECRET,
};

/** Starts a hardened cluster (one nimbus, `supervisors` supervisors with 2 slots). */
export function startHardenedCluster(supervisors = 2): Promise<TestCluster> {
  return TestCluster.start({ supervisors, slotsPerSupervisor: 2, conf: HARDENED });
}

/** How a raw call ended. */
export interface RawResult {
  code: grpc.status;
  details: string;
  /** Response messages, undecoded. */
  responses: Buffer[];
}

/**
 * Calls `method` (a gRPC path) on `address` with the given request messages (already encoded, or any bytes) and
 * metadata, as a bidirectional stream: on the wire that is what every gRPC call is, so it reaches unary and streaming
 * methods alike. Resolves with the status; never rejects.
 */
export async function rawCall(
  address: string,
  method: string,
  messages: Buffer[],
  metadata = new grpc.Metadata(),
  timeoutMs = 20000,
): Promise<RawResult> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': 64 * 1024 * 1024,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  });
  try {
    const call = client.makeBidiStreamRequest<Buffer, Buffer>(
      method,
      (b) => b,
      (b) => b,
      metadata,
      { deadline: Date.now() + timeoutMs },
    );
    const responses: Buffer[] = [];
    call.on('data', (b: Buffer) => responses.push(b));
    call.on('error', () => {
      /* the status carries it */
    });
    const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    for (const m of messages) call.write(m);
    call.end();
    const s = await status;
    return { code: s.code, details: s.details, responses };
  } finally {
    client.close();
  }
}

/** Metadata with a cluster-credential proof made with `secret` for `audience` at `atMs`. */
export function clusterProof(secret: string, method: string, audience: string, atMs = Date.now()): grpc.Metadata {
  const m = new grpc.Metadata();
  m.set(CLUSTER_AUTH_METADATA_KEY, callProof(secret, method, audience, atMs));
  return m;
}

/** Metadata with a proof of topology `topologyId`'s secret. */
export function topologyProof(topologyId: string, secret: string, method: string, audience: string): grpc.Metadata {
  const m = new grpc.Metadata();
  m.set(TOPOLOGY_ID_METADATA_KEY, topologyId);
  m.set(TOPOLOGY_AUTH_METADATA_KEY, callProof(secret, method, audience));
  return m;
}

/** Metadata with `authorization: Bearer <token>`. */
export function bearer(token: string): grpc.Metadata {
  const m = new grpc.Metadata();
  m.set('authorization', `Bearer ${token}`);
  return m;
}

/** A ZooKeeper session, authenticated with the digest `squall:<secret>` when given. */
export async function zkSession(port: number, secret?: string): Promise<ZkClient> {
  const zk = createZkClient(`127.0.0.1:${port}`, { sessionTimeout: 6000, retries: 0 });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`ZooKeeper at 127.0.0.1:${port}: connect timed out`)), 15000);
    zk.once('connected', () => {
      clearTimeout(t);
      resolve();
    });
    zk.connect();
  });
  if (secret !== undefined) zk.addAuthInfo('digest', Buffer.from(`squall:${secret}`));
  return zk;
}

/** ZooKeeper's error code of a failed operation, or undefined. */
export const zkCode = (err: unknown): number | undefined => (err as { getCode?: () => number } | null)?.getCode?.();

/** Promise forms of the ZooKeeper calls the attacks use; each resolves with the error (null on success). */
export const zk = {
  getData: (c: ZkClient, p: string) =>
    new Promise<{ err: unknown; data?: Buffer }>((r) => c.getData(p, (err, data) => r({ err, data }))),
  setData: (c: ZkClient, p: string, data: Buffer) =>
    new Promise<unknown>((r) => c.setData(p, data, -1, (err) => r(err))),
  create: (c: ZkClient, p: string, data: Buffer) => new Promise<unknown>((r) => c.create(p, data, (err) => r(err))),
  remove: (c: ZkClient, p: string) => new Promise<unknown>((r) => c.remove(p, -1, (err) => r(err))),
  children: (c: ZkClient, p: string) =>
    new Promise<{ err: unknown; children?: string[] }>((r) =>
      c.getChildren(p, (err, children) => r({ err, children })),
    ),
};

/** One worker of `topologyId` as its supervisor launched it: address, secret, dir, supervisor's address. */
export interface WorkerFacts {
  address: string;
  secret: string;
  dir: string;
  supervisorAddress: string;
  port: number;
}

/** The launch files of `topologyId`'s workers (the test runs as the daemons' user and reads them, as a local insider could). */
export function workerFacts(cluster: TestCluster, topologyId: string): WorkerFacts[] {
  const out: WorkerFacts[] = [];
  for (const sup of readdirSync(cluster.dir).filter((d) => d.startsWith('supervisor-'))) {
    const workers = path.join(cluster.dir, sup, 'supervisor', 'workers');
    if (!existsSync(workers)) continue;
    for (const w of readdirSync(workers).filter((d) => d.startsWith(topologyId))) {
      const file = path.join(workers, w, 'launch.json');
      if (!existsSync(file)) continue;
      const l = JSON.parse(readFileSync(file, 'utf8')) as {
        host: string;
        port: number;
        supervisorAddress: string;
        topology: { secret: string };
      };
      out.push({
        address: `${l.host}:${l.port}`,
        secret: l.topology.secret,
        dir: path.join(workers, w),
        supervisorAddress: l.supervisorAddress,
        port: l.port,
      });
    }
  }
  return out;
}

/** Every daemon process of the cluster is still alive. */
export function daemonsAlive(cluster: TestCluster): string[] {
  return cluster.daemons
    .filter((d) => d.child.exitCode !== null || d.child.signalCode !== null)
    .map((d) => `${d.name} exited (${d.child.exitCode ?? d.child.signalCode})`);
}

/** Waits until `name` acked exactly `total` tuples and failed none (`squall stats` with the token). */
export async function allAcked(cluster: TestCluster, name: string, total: number, timeoutMs = 180000): Promise<void> {
  await eventually(
    `${name} to ack all ${total} tuples with none failed`,
    () => {
      const s = cluster.stats(name).components.words;
      if (s && s.failed > 0) throw new Error(`${name} failed ${s.failed} tuples`);
      return s?.acked === total || undefined;
    },
    timeoutMs,
  );
}
