import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engineSettings, messageTimeoutMs } from '../src';

test('the message timeout: topology.message.timeout.secs in ms, Infinity when timeouts are off', () => {
  assert.equal(messageTimeoutMs({}), 30_000);
  assert.equal(messageTimeoutMs({ 'topology.message.timeout.secs': 2.5 }), 2500);
  assert.equal(
    messageTimeoutMs({ 'topology.message.timeout.secs': 2.5, 'topology.enable.message.timeouts': false }),
    Infinity,
  );
});

test('engineSettings: defaults from the key table; unset limits are Infinity or null', () => {
  const s = engineSettings({});
  assert.deepEqual(s, {
    messageTimeoutMs: 30_000,
    maxSpoutPending: Infinity,
    receiveBufferSize: 32768,
    batchFlushMs: 1,
    tickFreqSecs: null,
    debug: false,
    maxTupleBytes: 8 * 1024 * 1024,
    spoutWait: { level1Count: 0, level2Count: 0, sleepMs: 1 },
    backpressureSleepMs: 1,
    errorThrottleMs: 10_000,
    maxErrorsPerInterval: 5,
    checkpointIntervalMs: 1000,
  });
  assert.equal(engineSettings({ 'topology.error.throttle.interval.secs': 0.5 }).errorThrottleMs, 500);
  assert.equal(engineSettings({ 'topology.max.spout.pending': 7 }).maxSpoutPending, 7);
  assert.throws(
    () => engineSettings({ 'topology.max.spout.pending': '7' }),
    /topology\.max\.spout\.pending must be an integer, got "7"/,
  );
});
