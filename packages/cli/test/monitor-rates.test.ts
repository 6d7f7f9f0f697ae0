import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ComponentSummary } from '@squall/stats';
import { MonitorRates } from '../src/monitor-rates';

/** A spout's all-time counters as nimbus reports them. */
function spout(emitted: number, acked = emitted): Record<string, ComponentSummary> {
  const c = {
    kind: 'spout',
    executors: 1,
    tasks: 1,
    emitted,
    transferred: emitted,
    executed: 0,
    acked,
    failed: 0,
    completeLatencyMs: 1,
    processLatencyMs: 0,
    executeLatencyMs: 0,
    capacity: 0,
  };
  return { word: c as unknown as ComponentSummary };
}

test('the first reading only sets the base: no all-zero block', () => {
  const r = new MonitorRates(15);
  assert.equal(r.next(spout(1000), 0), undefined);
  const second = r.next(spout(6000), 5000)!;
  assert.equal(second.components.word!.emittedPerSec, 1000);
  assert.equal(second.intervalSecs, 5);
  assert.equal(second.newHeartbeat, true);
});

test('until the first heartbeat after the base there are no rates to show, then zeros past the stale limit', () => {
  const r = new MonitorRates(15);
  assert.equal(r.next(spout(1000), 0), undefined);
  assert.equal(r.next(spout(1000), 5000), undefined);
  const late = r.next(spout(1000), 16000)!;
  assert.equal(late.components.word!.emittedPerSec, 0);
  assert.equal(late.newHeartbeat, false);
});

test('a reading without a new heartbeat repeats the last rates instead of 0/s', () => {
  const r = new MonitorRates(15);
  r.next(spout(0), 0);
  r.next(spout(5000), 5000);
  const quiet = r.next(spout(5000), 10000)!;
  assert.equal(quiet.newHeartbeat, false);
  assert.equal(quiet.components.word!.emittedPerSec, 1000);
  assert.equal(quiet.components.word!.ackedPerSec, 1000);
  // The next heartbeat brings two intervals' worth: the rate spans both, not double the rate.
  const next = r.next(spout(15000), 15000)!;
  assert.equal(next.newHeartbeat, true);
  assert.equal(next.intervalSecs, 10);
  assert.equal(next.components.word!.emittedPerSec, 1000);
});

test('counters still for longer than the stale limit read 0/s', () => {
  const r = new MonitorRates(15);
  r.next(spout(0), 0);
  r.next(spout(5000), 5000);
  assert.equal(
    r.next(spout(5000), 20000)!.components.word!.emittedPerSec,
    1000,
    '15 s without news: still the last rate',
  );
  assert.equal(r.next(spout(5000), 25000)!.components.word!.emittedPerSec, 0, '20 s without news: stopped');
});

test('a counter that goes down (nimbus failover) reads 0/s, not negative', () => {
  const r = new MonitorRates(15);
  r.next(spout(9000), 0);
  assert.equal(r.next(spout(100), 5000)!.components.word!.emittedPerSec, 0);
});
