import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TopologySpec } from '@squall/api';
import { silentLogger } from '@squall/core';
import {
  findFreePort,
  ZkClusterState,
  ZooKeeperServer,
  type ClusterState,
  type StormBase,
} from '@squall/cluster-state';
import { NimbusLeadership } from '../src/nimbus-leadership';
import { PackageReplicator } from '../src/package-replicator';
import { PackageStore } from '../src/package-store';

// Leadership is only taken with every live topology's package in hand: real ZooKeeper, real stores, no servers
// (a nimbus that advertises a package but serves nothing is exactly "a copy exists but cannot be fetched").
let zk: ZooKeeperServer;
let dir: string;
const open: Array<{ shutdown(): Promise<void> }> = [];

before(async () => {
  zk = await ZooKeeperServer.start({ logger: silentLogger() });
  dir = mkdtempSync(path.join(tmpdir(), 'squall-leadership-'));
});
after(async () => {
  for (const c of open.reverse()) await c.shutdown().catch(() => undefined);
  await zk?.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

async function connect(root: string): Promise<ClusterState> {
  const c = await ZkClusterState.create({
    connectString: zk.connectString,
    root,
    sessionTimeoutMs: 4000,
    retry: { initialDelayMs: 100, maxDelayMs: 500 },
  });
  open.push(c);
  return c;
}

/** A nimbus's store and replicator (no gRPC server: nobody can download from it). */
function nimbusParts(
  cluster: ClusterState,
  address: string,
): { packages: PackageStore; replicator: PackageReplicator } {
  const packages = new PackageStore(path.join(dir, randomUUID()));
  const replicator = new PackageReplicator({ conf: {}, log: silentLogger(), cluster, packages, address });
  return { packages, replicator };
}

/** A live topology in ZooKeeper whose package `holder` (if any) stores and advertises as `holderAddress`. */
async function liveTopology(
  cluster: ClusterState,
  id: string,
  holder?: { packages: PackageStore; address: string },
): Promise<string> {
  const bytes = Buffer.from(`package of ${id}`);
  const digest = createHash('sha256').update(bytes).digest('hex');
  const base: StormBase = {
    name: id,
    status: 'ACTIVE',
    owner: 'test',
    launchTimeSecs: 1,
    numWorkers: 1,
    componentExecutors: {},
    packageDigest: digest,
  };
  await cluster.putStorm(id, base, 'absent');
  if (holder) {
    holder.packages.save(
      {
        topologyId: id,
        spec: { name: id, components: [] } as unknown as TopologySpec,
        conf: {},
        digest,
        size: bytes.length,
      },
      bytes,
    );
    await cluster.advertiseBlob(id, { nimbusId: holder.address, digest, sizeBytes: bytes.length });
  }
  return digest;
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('first in line without a package that another nimbus holds: steps back, and the holder leads', async () => {
  const root = `/t-${randomUUID().slice(0, 8)}`;
  const [cc, cb, ca] = [await connect(root), await connect(root), await connect(root)];
  const unreachable = `127.0.0.1:${await findFreePort()}`;
  // C leads first, so B and A queue up (B before A) without checking anything yet.
  const c = await cc.joinLeaderElection('127.0.0.1:1');
  const a = nimbusParts(ca, unreachable);
  await liveTopology(cc, 'topo-1-1', { packages: a.packages, address: unreachable });
  const b = nimbusParts(cb, '127.0.0.1:2');
  const leaderB = await NimbusLeadership.create(cb, '127.0.0.1:2', b.replicator, silentLogger());
  const leaderA = await NimbusLeadership.create(ca, unreachable, a.replicator, silentLogger());
  assert.equal(leaderB.isLeader(), false);
  await c.withdraw();
  await waitFor('A (holding the package) to lead', () => leaderA.isLeader());
  assert.equal(leaderB.isLeader(), false, 'B, missing the package, did not take the lead');
  assert.equal(await cb.getLeader(), unreachable);
  assert.deepEqual(
    (await b.replicator.missing()).map((m) => [m.topologyId, m.holders]),
    [['topo-1-1', [unreachable]]],
  );
  await leaderA.withdraw();
  await leaderB.withdraw();
});

test('no live nimbus holds a package: the candidate leads anyway and reports the lost package', async () => {
  const root = `/t-${randomUUID().slice(0, 8)}`;
  const cluster = await connect(root);
  const digest = await liveTopology(cluster, 'gone-1-1');
  const { replicator } = nimbusParts(cluster, '127.0.0.1:3');
  const leader = await NimbusLeadership.create(cluster, '127.0.0.1:3', replicator, silentLogger());
  await waitFor('the lone nimbus to lead', () => leader.isLeader());
  const errors = await cluster.getErrors('gone-1-1', '__nimbus');
  assert.equal(errors.length, 1);
  assert.match(
    errors[0]!.message,
    new RegExp(`the package of gone-1-1 \\(sha256 ${digest}\\) is lost: no live nimbus holds a copy`),
  );
  await leader.withdraw();
});
