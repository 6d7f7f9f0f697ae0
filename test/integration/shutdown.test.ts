import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT, TestCluster, clusterProcesses, eventually, listProcesses, type Daemon } from '../harness/test-cluster';

// Graceful shutdown and no orphans: a Python word count (shell spout and bolts, children of the workers) on two
// supervisors; every kind of daemon exit or death must leave no worker and no shell-component process behind.
const PYTHON_WORDCOUNT = path.join(ROOT, 'examples/wordcount-python');
const STUCK_PYTHON = path.join(ROOT, 'test/fixtures/chaos-stuck-python');
const SHUTDOWN_SLEEP_SECS = 2; // FAST_CONF's supervisor.worker.shutdown.sleep.secs
let cluster: TestCluster;
let topologyId = '';

before(async () => {
  cluster = await TestCluster.start({ supervisors: 2, slotsPerSupervisor: 2 });
  const r = cluster.cli(['submit', PYTHON_WORDCOUNT, '--name', 'py-wc', '--json', '-c', 'topology.workers=2']);
  assert.equal(r.code, 0, r.stderr);
  topologyId = (JSON.parse(r.stdout) as { topologyId: string }).topologyId;
  await eventually(
    'two workers with their Python children',
    () => (workers().length === 2 && workers().every((w) => shellChildren(w.pid).length > 0)) || undefined,
    90000,
  );
});
after(async () => {
  await cluster?.shutdown();
});

const alive = (pid: number) => listProcesses().some((p) => p.pid === pid);

/** Worker processes of the topology, with the supervisor (index) that runs each. */
function workers(): Array<{ pid: number; supervisor: number }> {
  return listProcesses()
    .filter((p) => p.cmdline.includes(`/workers/${topologyId}-`) && p.cmdline.includes(cluster.dir))
    .map((p) => ({ pid: p.pid, supervisor: Number(/supervisor-(\d+)\//.exec(p.cmdline)?.[1] ?? -1) }));
}

/** Multi-lang children (Python) of a worker. */
function shellChildren(workerPid: number): number[] {
  return listProcesses()
    .filter((p) => p.ppid === workerPid && p.cmdline.includes('squall.run'))
    .map((p) => p.pid);
}

/** Every Python component process of this cluster (whoever its parent is now). */
function allShellProcesses(): number[] {
  return clusterProcesses(cluster.dir)
    .filter((p) => p.cmdline.includes('squall.run'))
    .map((p) => p.pid);
}

function supervisorDaemon(i: number): Daemon {
  return cluster.daemons.find((d) => d.name === `supervisor-${i}`)!;
}

test('a worker killed with SIGKILL takes its Python children with it, and is restarted', async () => {
  const [victim] = workers();
  const children = shellChildren(victim!.pid);
  assert.ok(children.length > 0);
  process.kill(victim!.pid, 'SIGKILL');
  await eventually(
    'the Python children of the killed worker to die',
    () => children.every((c) => !alive(c)) || undefined,
    10000,
  );
  await eventually(
    'a replacement worker with Python children',
    () => {
      const ws = workers();
      return ws.length === 2 &&
        !ws.some((x) => x.pid === victim!.pid) &&
        ws.every((x) => shellChildren(x.pid).length > 0)
        ? ws
        : undefined;
    },
    90000,
  );
});

test('a Python bolt hung in user code (deaf to EOF) still dies with its SIGKILLed worker', async () => {
  const stuckDir = cluster.outputDir('stuck');
  mkdirSync(stuckDir, { recursive: true });
  const r = cluster.cli([
    'submit',
    STUCK_PYTHON,
    '--name',
    'stuck',
    '--json',
    '-c',
    `topology.environment=${JSON.stringify({ SQUALL_STUCK_DIR: stuckDir })}`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const id = (JSON.parse(r.stdout) as { topologyId: string }).topologyId;
  const stuckPid = await eventually(
    'the bolt to hang in user code',
    () => {
      const marker = readdirSync(stuckDir).find((f) => f.startsWith('stuck-'));
      return marker ? Number(marker.slice('stuck-'.length)) : undefined;
    },
    90000,
  );
  assert.ok(alive(stuckPid));
  const worker = listProcesses().find((p) => p.pid === stuckPid)!.ppid;
  assert.ok(
    listProcesses()
      .find((p) => p.pid === worker)
      ?.cmdline.includes(`/workers/${id}-`),
    'the hung bolt is a child of its worker',
  );
  process.kill(worker, 'SIGKILL');
  await eventually('the hung Python bolt to die with its worker', () => !alive(stuckPid) || undefined, 10000);
  assert.equal(cluster.cli(['kill', 'stuck', '-w', '0']).code, 0);
  await eventually('the stuck topology to be gone', () => cluster.workerPids(id).length === 0 || undefined, 60000);
});

test('a worker sent SIGTERM drains and exits within supervisor.worker.shutdown.sleep.secs, children included', async () => {
  const [victim] = workers();
  const children = shellChildren(victim!.pid);
  const sentAt = Date.now();
  process.kill(victim!.pid, 'SIGTERM');
  await eventually('the worker to exit', () => !alive(victim!.pid) || undefined, 20000);
  const tookMs = Date.now() - sentAt;
  // The bound is the contract (plus one polling interval and process teardown), not a performance figure.
  assert.ok(tookMs <= SHUTDOWN_SLEEP_SECS * 1000 + 1500, `worker took ${tookMs} ms to exit after SIGTERM`);
  assert.ok(
    children.every((c) => !alive(c)),
    'its Python children exited with it',
  );
  const log = cluster.workerLogs(topologyId).join('\n');
  assert.match(log, /SIGTERM: draining and stopping/);
  await eventually(
    'the worker to be restarted',
    () => (workers().length === 2 && workers().every((w) => shellChildren(w.pid).length > 0)) || undefined,
    60000,
  );
});

test('a supervisor killed with SIGKILL leaves no worker and no Python process behind', async () => {
  const sup = supervisorDaemon(0);
  await eventually('supervisor-0 to run a worker', () => workers().some((w) => w.supervisor === 0) || undefined, 60000);
  const mine = workers().filter((w) => w.supervisor === 0);
  const children = mine.flatMap((w) => shellChildren(w.pid));
  assert.ok(children.length > 0);
  sup.child.kill('SIGKILL');
  await eventually(
    "supervisor-0's workers and their Python children to exit",
    () => [...mine.map((w) => w.pid), ...children].every((p) => !alive(p)) || undefined,
    15000,
  );
});

test('SIGTERM stops a supervisor with its workers, and nimbus; nothing of the cluster survives', async () => {
  const sup = supervisorDaemon(1);
  await eventually(
    'supervisor-1 to run the workers',
    () => workers().some((w) => w.supervisor === 1) || undefined,
    60000,
  );
  assert.ok(allShellProcesses().length > 0);
  sup.child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) =>
    sup.child.exitCode !== null ? resolve(sup.child.exitCode) : sup.child.once('exit', (c) => resolve(c)),
  );
  assert.equal(code, 0, 'supervisor exits cleanly on SIGTERM');
  assert.deepEqual(workers(), [], 'its workers were stopped before it exited');
  await eventually('every Python process to be gone', () => allShellProcesses().length === 0 || undefined, 5000);
  const nimbus = cluster.daemons.find((d) => d.name === 'nimbus')!;
  nimbus.child.kill('SIGTERM');
  const nimbusCode = await new Promise<number | null>((resolve) =>
    nimbus.child.exitCode !== null ? resolve(nimbus.child.exitCode) : nimbus.child.once('exit', (c) => resolve(c)),
  );
  assert.equal(nimbusCode, 0, 'nimbus exits cleanly on SIGTERM');
  const left = clusterProcesses(cluster.dir);
  assert.deepEqual(
    left.map((p) => `${p.pid} ${p.cmdline}`),
    [],
    'no process of the cluster is left',
  );
});
