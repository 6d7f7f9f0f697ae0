import { test } from 'node:test';
import assert from 'node:assert/strict';
import { supervisorSettings } from '../src/supervisor-settings';

test('supervisorSettings: defaults from the key table, seconds as ms, a wrong type names the key', () => {
  assert.deepEqual(supervisorSettings({}), {
    host: '127.0.0.1',
    port: 0,
    slotPorts: [6700, 6701, 6702, 6703],
    localDir: 'squall-local',
    workerChildopts: '',
    workerStartTimeoutMs: 120_000,
    workerTimeoutMs: 30_000,
    workerShutdownMs: 3000,
    heartbeatMs: 5000,
    monitorMs: 1000,
    packageMaxBytes: 1024 * 1024 * 1024,
  });
  assert.equal(supervisorSettings({ 'supervisor.monitor.frequency.secs': 2.5 }).monitorMs, 2500);
  assert.throws(
    () => supervisorSettings({ 'supervisor.monitor.frequency.secs': '3' }),
    /supervisor\.monitor\.frequency\.secs must be a number, got "3"/,
  );
});
