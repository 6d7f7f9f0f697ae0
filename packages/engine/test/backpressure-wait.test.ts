import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Spout, type OutputFieldsDeclarer } from '@squall/api';
import { ManualClock } from '@squall/core';
import type { Transport, TransportListeners } from '../src';
import { spoutOnlyWorker, turns } from './spout-only-worker';

/** A transport that counts what it is given and lets the test withhold credit (backpressure) by hand. */
class CreditTransport implements Transport {
  sent = 0;
  pressure: (delta: 1 | -1) => void = () => undefined;
  send(): void {
    this.sent++;
  }
  sendValues(): void {
    this.sent++;
  }
  flush(): void {}
  setListeners(listeners: TransportListeners): void {
    this.pressure = listeners.onPressure;
  }
}

class Endless extends Spout {
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word']);
  }
  override nextTuple(): void {
    this.collector.emit(['w']);
  }
}

/** A worker running only the spout (the bolt is remote), on a manual clock. */
async function spoutWorker(sleepMs: number) {
  const transport = new CreditTransport();
  const clock = new ManualClock(1000);
  const runtime = await spoutOnlyWorker(Endless.spec(), transport, {
    conf: { 'topology.backpressure.wait.progressive.level3.sleep.millis': sleepMs },
    clock,
  });
  await turns(5);
  assert.ok(transport.sent > 0, 'the spout emits');
  return { runtime, transport, clock };
}

test('a spout paused by backpressure stays paused for topology.backpressure.wait.progressive.level3.sleep.millis', async () => {
  const { runtime, transport, clock } = await spoutWorker(50);
  transport.pressure(1);
  await turns(5);
  const paused = transport.sent;
  await turns(20);
  assert.equal(transport.sent, paused, 'nothing is emitted under backpressure');
  transport.pressure(-1);
  await turns(20);
  assert.equal(transport.sent, paused, 'the pressure cleared at once, but the least sleep (50 ms) has not passed');
  clock.advance(49);
  await turns(20);
  assert.equal(transport.sent, paused, 'still 1 ms short');
  clock.advance(1);
  await turns(20);
  assert.ok(transport.sent > paused, 'emits resume once the sleep is over');
  await runtime.shutdown(0);
});

test('with a backpressure sleep of 0 a spout resumes as soon as the pressure clears', async () => {
  const { runtime, transport } = await spoutWorker(0);
  transport.pressure(1);
  await turns(5);
  const paused = transport.sent;
  await turns(20);
  assert.equal(transport.sent, paused);
  transport.pressure(-1);
  await turns(20);
  assert.ok(transport.sent > paused, 'emits resume without the clock moving');
  await runtime.shutdown(0);
});
