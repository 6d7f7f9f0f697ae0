import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  parseWorkerLaunch,
  readWorkerLaunch,
  taskAddresses,
  WorkerLaunchError,
  workerLaunchProblems,
  type WorkerLaunch,
} from '../src';

const LAUNCH: WorkerLaunch = {
  topologyId: 'wc-1-1700000000',
  supervisorId: 'supervisor-ab12',
  host: '127.0.0.1',
  port: 6701,
  supervisorAddress: '127.0.0.1:6628',
  packageDir: '/var/squall/supervisor/packages/wc-1-1700000000-0123456789ab',
  topology: {
    spec: { name: 'wc', components: [], conf: {} } as never,
    conf: { 'topology.workers': 2 },
    secret: 's3cret',
  },
  assignment: {
    executors: [
      { component: 'word', startTask: 1, endTask: 2, supervisorId: 'supervisor-ab12', port: 6701 },
      { component: 'count', startTask: 3, endTask: 3, supervisorId: 'supervisor-cd34', port: 6700 },
    ],
    workers: [
      { supervisorId: 'supervisor-ab12', host: '127.0.0.1', port: 6701 },
      { supervisorId: 'supervisor-cd34', host: '10.0.0.7', port: 6700 },
    ],
  },
  assignmentVersion: '4',
};

test('a launch file as a supervisor writes it is read back whole', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'squall-launch-'));
  try {
    const file = path.join(dir, 'launch.json');
    writeFileSync(file, JSON.stringify(LAUNCH));
    assert.deepEqual(readWorkerLaunch(file), LAUNCH);
    assert.deepEqual(workerLaunchProblems({ ...LAUNCH, tls: { ca: '/ca.pem', cert: '/c.pem', key: '/k.pem' } }), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing or unreadable launch file is a WorkerLaunchError naming it', () => {
  assert.throws(
    () => readWorkerLaunch('/nonexistent/launch.json'),
    (err: unknown) => {
      assert.ok(err instanceof WorkerLaunchError);
      assert.match(err.message, /^cannot start worker: cannot read \/nonexistent\/launch\.json: ENOENT/);
      return true;
    },
  );
  assert.throws(
    () => parseWorkerLaunch('{"topologyId": ', 'launch.json'),
    /cannot start worker: launch\.json is not JSON: /,
  );
});

test('every missing or mistyped field is named at once', () => {
  const broken = {
    ...LAUNCH,
    port: 70000,
    packageDir: '',
    topology: { spec: LAUNCH.topology.spec, conf: [] },
    assignment: { executors: {} },
  } as unknown;
  assert.deepEqual(workerLaunchProblems(broken), [
    'packageDir must be a non-empty string',
    'port must be an integer from 1 to 65535',
    'topology.conf must be an object',
    'topology.secret must be a non-empty string',
    'assignment.executors must be an array',
    'assignment.workers must be an array',
  ]);
  assert.deepEqual(workerLaunchProblems([]), ['it is not a JSON object']);
  assert.throws(() => parseWorkerLaunch(JSON.stringify({ ...LAUNCH, topologyId: 7 }), 'w/launch.json'), {
    name: 'WorkerLaunchError',
    message: 'cannot start worker: w/launch.json: topologyId must be a non-empty string',
  });
});

test('taskAddresses: each task of the assignment at its worker host and port', () => {
  assert.deepEqual(
    [...taskAddresses(LAUNCH.assignment)],
    [
      [1, '127.0.0.1:6701'],
      [2, '127.0.0.1:6701'],
      [3, '10.0.0.7:6700'],
    ],
  );
});
