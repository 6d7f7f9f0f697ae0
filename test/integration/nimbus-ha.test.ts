import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createNimbusClient } from '@squall/protocol';
import { ROOT, TestCluster, eventually, readLines } from '../harness/test-cluster';

const FIXTURE = path.join(ROOT, 'test/fixtures/finite-wordcount.ts');
let cluster: TestCluster;

before(async () => {
  cluster = await TestCluster.start({ nimbuses: 2, supervisors: 2, slotsPerSupervisor: 2 });
});
after(async () => {
  await cluster?.shutdown();
});

const uniqueAcked = (out: string) => new Set(readLines(out, 'acked-')).size;

/** Submits through the seeds (no --nimbus): the CLI has to find the leader itself. */
function submit(name: string, words: number): { id: string; out: string } {
  const out = cluster.outputDir(name);
  const r = cluster.cliSeeds([
    'submit',
    FIXTURE,
    '--name',
    name,
    '--json',
    '-c',
    `squall.test.dir=${out}`,
    '-c',
    `squall.test.words=${words}`,
    '-c',
    'squall.test.pause.every=100',
    '-c',
    'squall.test.pause.ms=50',
    '-c',
    'topology.workers=2',
  ]);
  assert.equal(r.code, 0, r.stderr);
  return { id: (JSON.parse(r.stdout) as { topologyId: string }).topologyId, out };
}

async function leaderOf(): Promise<string | undefined> {
  const info = await cluster.clusterInfo();
  const l = info.nimbuses.find((n) => n.isLeader);
  return l ? `${l.host}:${l.port}` : undefined;
}

test('a standby replicates packages, takes over within 15 s of the leader being SIGKILLed, and the topology keeps running', async () => {
  const [first, second] = cluster.nimbusAddresses as [string, string];
  assert.equal(await leaderOf(), first);
  // A mutating call made on the standby itself is refused with the leader's address.
  const standby = createNimbusClient(second);
  const refused = await new Promise<Error | null>((resolve) =>
    standby.killTopology({ name: 'nothing-here' }, (err) => resolve(err)),
  );
  standby.close();
  assert.match(refused?.message ?? '', new RegExp(`not the leader \\(the leader is ${first.replace(/\./g, '\\.')}\\)`));
  cluster.nimbusAddress = second;
  const { id, out } = submit('ha-wc', 4000);
  const standbyStore = path.join(
    cluster.dir,
    'nimbus-1',
    'nimbus',
    second.split(':')[1]!,
    'packages',
    id,
    'package.tgz',
  );
  await eventually(
    'the standby to hold a verified copy of the package',
    () => existsSync(standbyStore) || undefined,
    30000,
  );
  await eventually('tuples flowing', () => uniqueAcked(out) > 200 || undefined, 60000);

  const leaderDaemon = cluster.daemons.find((d) => d.name === 'nimbus')!;
  const killedAt = Date.now();
  leaderDaemon.child.kill('SIGKILL');
  const ackedAtKill = uniqueAcked(out);
  const newLeader = await eventually(
    'the standby to lead',
    async () => ((await leaderOf()) === second ? second : undefined),
    30000,
  );
  const failoverMs = Date.now() - killedAt;
  console.log(`# nimbus failover: ${failoverMs} ms (new leader ${newLeader})`);
  assert.ok(failoverMs <= 15000, `failover took ${failoverMs} ms`);
  assert.ok(
    uniqueAcked(out) > ackedAtKill ||
      (await eventually('acks to continue', () => uniqueAcked(out) > ackedAtKill || undefined, 20000)),
  );

  // The CLI with both seeds (the first one dead) finds the new leader; stats and a new submit work.
  const list = cluster.cliSeeds(['list']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /ha-wc/);
  const second2 = submit('ha-wc2', 500);
  await eventually(
    'the topology submitted after failover to complete',
    () => uniqueAcked(second2.out) === 500 || undefined,
    90000,
  );
  await eventually('the first topology to complete', () => uniqueAcked(out) === 4000 || undefined, 120000);
  assert.equal(cluster.cliSeeds(['kill', 'ha-wc', '-w', '0']).code, 0);
  assert.equal(cluster.cliSeeds(['kill', 'ha-wc2', '-w', '0']).code, 0);
  await eventually('both topologies gone', () => cluster.workerPids().length === 0 || undefined, 60000);
});

test('a restarted nimbus rejoins as standby and copies the packages it lacks', async () => {
  const [first, second] = cluster.nimbusAddresses as [string, string];
  cluster.nimbusAddress = second;
  const { id } = submit('ha-late', 100000);
  // The old leader comes back with an empty store under a fresh dir name: it must copy the running topology's package.
  cluster.startDaemon('nimbus-back', [
    'nimbus',
    '-c',
    `nimbus.port=${first.split(':')[1]}`,
    '-c',
    `storm.local.dir=${path.join(cluster.dir, 'nimbus-back')}`,
  ]);
  const store = path.join(cluster.dir, 'nimbus-back', 'nimbus', first.split(':')[1]!, 'packages', id, 'package.tgz');
  await eventually('the returning nimbus to replicate the package', () => existsSync(store) || undefined, 30000);
  assert.equal(await leaderOf(), second, 'the running leader keeps leading');
  assert.equal(cluster.cliSeeds(['kill', 'ha-late', '-w', '0']).code, 0);
  await eventually('the killed topology gone', () => cluster.workerPids(id).length === 0 || undefined, 60000);
});

test('a nimbus whose only copy of a package is lost still takes the lead and reports the lost package', async () => {
  const [first, second] = cluster.nimbusAddresses as [string, string];
  cluster.nimbusAddress = second;
  const { id } = submit('ha-lost', 100000);
  const back = cluster.daemons.find((d) => d.name === 'nimbus-back')!;
  const backStore = path.join(cluster.dir, 'nimbus-back', 'nimbus', first.split(':')[1]!, 'packages', id);
  await eventually(
    'the standby to replicate the package',
    () => existsSync(path.join(backStore, 'package.tgz')) || undefined,
    30000,
  );
  // Stop the standby, destroy its copy, then kill the leader: the standby comes back as the only nimbus, without it.
  back.child.kill('SIGTERM');
  await eventually('the standby to stop', () => back.child.exitCode !== null || undefined, 20000);
  rmSync(backStore, { recursive: true, force: true });
  cluster.daemons.find((d) => d.name === 'nimbus-1')!.child.kill('SIGKILL');
  cluster.startDaemon('nimbus-back2', [
    'nimbus',
    '-c',
    `nimbus.port=${first.split(':')[1]}`,
    '-c',
    `storm.local.dir=${path.join(cluster.dir, 'nimbus-back')}`,
  ]);
  cluster.nimbusAddress = first;
  await eventually(
    'the lone nimbus to lead anyway',
    async () => ((await leaderOf()) === first ? true : undefined),
    40000,
  );
  const stats = await eventually(
    'the lost package to be reported',
    () => {
      const s = cluster.stats('ha-lost');
      return s.errors.some((e) => e.component === '__nimbus' && /is lost: no live nimbus holds a copy/.test(e.message))
        ? s
        : undefined;
    },
    30000,
  );
  assert.equal(stats.status, 'ACTIVE');
  assert.equal(cluster.cli(['kill', 'ha-lost', '-w', '0']).code, 0);
  await eventually('the killed topology gone', () => cluster.workerPids(id).length === 0 || undefined, 60000);
});
