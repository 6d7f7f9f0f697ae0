import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  findFreePort,
  ZooKeeperServer,
  ZooKeeperUnavailableError,
  type Assignment,
  type SupervisorInfo,
  type ZkClusterState,
} from '../src';
import { assignment, supervisor } from './fixtures';
import {
  capturingLogger,
  connect,
  nextEvent,
  SnapshotRecorder,
  startZooKeeper,
  testLogger,
  uniqueRoot,
  waitFor,
} from './helpers';

describe('riding out ZooKeeper trouble', () => {
  let server: ZooKeeperServer;
  const opened: ZkClusterState[] = [];
  const servers: ZooKeeperServer[] = [];
  const open = async (root: string, sessionTimeoutMs = 4000): Promise<ZkClusterState> => {
    const state = await connect(server, { root, sessionTimeoutMs });
    opened.push(state);
    return state;
  };
  before(async () => {
    server = await startZooKeeper();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((state) => state.shutdown()));
    await Promise.all(servers.splice(0).map((s) => s.shutdown()));
  });
  after(async () => {
    await server?.shutdown();
  });

  it('keeps state, session and watches across a ZooKeeper restart', async () => {
    const root = uniqueRoot();
    // The session must outlive the outage: ZooKeeper restarts the session clock when it comes back.
    const state = await open(root, 20_000);
    const recorder = new SnapshotRecorder<Assignment>();
    state.watchAssignments(recorder.listener);
    await state.registerSupervisor(supervisor('sup-1'));
    await state.putAssignment('before', assignment(), 'absent');
    await recorder.until((s) => s.has('before'), 'the assignment written before the outage');
    const sessionId = state.sessionId;

    const disconnected = nextEvent(state, 'disconnected');
    await server.stop();
    await disconnected;
    assert.equal(state.isConnected(), false);
    // Issued during the outage: waits for the connection instead of failing.
    const write = state.putAssignment('during', assignment(6701), 'absent');
    const reconnected = nextEvent<[{ newSession: boolean }]>(state, 'reconnected');
    await server.restart();
    assert.deepEqual((await reconnected)[0], { newSession: false });
    assert.equal(await write, 0);

    assert.equal(state.sessionId, sessionId);
    await recorder.until((s) => s.has('before') && s.has('during'), 'the assignment written during the outage');
    const since = recorder.snapshots.length;
    await state.putAssignment('after', assignment(), 'absent');
    await recorder.until((s) => s.has('after'), 'a change after the restart', since);
    assert.deepEqual(await state.listSupervisorIds(), ['sup-1']);
  });

  it('re-registers ephemerals, re-runs for leader and re-arms watches after session expiry', async () => {
    const root = uniqueRoot();
    const daemon = await open(root);
    const observer = await open(root);
    await daemon.registerSupervisor(supervisor('sup-1', [6700]));
    await daemon.registerNimbus({ host: '127.0.0.1', port: 6627, startTimeMs: 1, softwareVersion: '0.1.0' });
    const candidate = await daemon.joinLeaderElection('127.0.0.1:6627');
    assert.equal(candidate.isLeader(), true);
    const assignments = new SnapshotRecorder<Assignment>();
    daemon.watchAssignments(assignments.listener);
    const supervisors = new SnapshotRecorder<SupervisorInfo>();
    observer.watchSupervisors(supervisors.listener);
    await supervisors.until((s) => s.has('sup-1'), 'the supervisor registration');
    const oldSession = daemon.sessionId;

    const events: string[] = [];
    for (const event of ['disconnected', 'connected', 'expired', 'reconnected'] as const)
      daemon.on(event, () => events.push(event));
    const deposed = nextEvent(candidate, 'deposed');
    const elected = nextEvent(candidate, 'elected');
    // Stealing the session may first look like a plain reconnection; wait for the new session.
    const reconnected = nextEvent<[{ newSession: boolean }]>(daemon, 'reconnected', (info) => info.newSession);
    await daemon.simulateSessionExpiry();
    assert.deepEqual((await reconnected)[0], { newSession: true });
    assert.notEqual(daemon.sessionId, oldSession);
    assert.deepEqual(events.slice(events.indexOf('expired')), ['expired', 'connected', 'reconnected']);

    // Ephemerals: the observer saw the supervisor vanish with the old session and come back with the new one.
    await supervisors.until((s) => !s.has('sup-1'), 'the registration vanishing with the old session');
    await supervisors.until((s) => s.get('sup-1')?.value.usedPorts[0] === 6700, 'the re-registration');
    assert.deepEqual(
      (await observer.listNimbuses()).map((n) => n.port),
      [6627],
    );
    await deposed;
    await elected;
    assert.equal(await observer.getLeader(), '127.0.0.1:6627');

    // Watches on the new session: a change by someone else still reaches the daemon, repeatedly.
    for (const id of ['x', 'y']) {
      await observer.putAssignment(id, assignment(), 'absent');
      await assignments.until((s) => s.has(id), `assignment ${id} after the expiry`);
    }
    // Updating a registration after the expiry updates the new node, not a ghost.
    await daemon.registerSupervisor(supervisor('sup-1', [6701]));
    await supervisors.until((s) => s.get('sup-1')?.value.usedPorts[0] === 6701, 'the update on the new session');
  });

  it('notices a server that went silent (frozen, as behind a partition) and recovers when it answers again', async () => {
    const root = uniqueRoot();
    const state = await open(root);
    await state.registerSupervisor(supervisor('sup-1'));
    const disconnected = nextEvent(state, 'disconnected');
    const reconnected = nextEvent(state, 'reconnected');
    const started = Date.now();
    // A frozen JVM keeps its TCP connections open but answers nothing: only a read timeout can tell.
    process.kill(server.pid!, 'SIGSTOP');
    try {
      await disconnected;
      // The watchdog allows 2/3 of the 4 s session timeout of silence, checked every ~0.7 s.
      assert.ok(Date.now() - started < 4500, `took ${Date.now() - started} ms to notice`);
    } finally {
      process.kill(server.pid!, 'SIGCONT');
    }
    await reconnected;
    await waitFor(async () => (await state.listSupervisorIds()).includes('sup-1'), 'the supervisor registered again');
  });

  it('waits for ZooKeeper at start-up, logging each attempt, and connects once it runs', async () => {
    const port = await findFreePort();
    const { logger, messages } = capturingLogger();
    const connecting = connect({ connectString: `127.0.0.1:${port}` }, { root: uniqueRoot(), logger });
    let settled = false;
    void connecting.then(
      () => (settled = true),
      () => (settled = true),
    );
    await waitFor(
      () => messages.filter((m) => m.startsWith('waiting for ZooKeeper')).length >= 2,
      'two retry log lines',
    );
    assert.equal(settled, false);
    assert.match(
      messages.find((m) => m.startsWith('waiting'))!,
      new RegExp(`^waiting for ZooKeeper at 127\\.0\\.0\\.1:${port} \\(attempt 1\\), retrying in \\d+\\.\\ds$`),
    );

    servers.push(await ZooKeeperServer.start({ port, logger: testLogger() }));
    const state = await connecting;
    opened.push(state);
    assert.equal(state.isConnected(), true);
    await state.putStorm(
      'wc',
      {
        name: 'wc',
        status: 'ACTIVE',
        owner: 'a',
        launchTimeSecs: 1,
        numWorkers: 1,
        componentExecutors: {},
        packageDigest: 'd',
      },
      'absent',
    );
  });

  it('gives up at the start-up deadline with a clear error', async () => {
    const port = await findFreePort();
    await assert.rejects(
      connect({ connectString: `127.0.0.1:${port}` }, { connectTimeoutMs: 700 }),
      (error: unknown) => error instanceof ZooKeeperUnavailableError && error.message.includes(`127.0.0.1:${port}`),
    );
  });
});
