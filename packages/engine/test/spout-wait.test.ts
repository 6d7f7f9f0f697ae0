import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Spout, type OutputFieldsDeclarer } from '@squall/api';
import { ManualClock, type Config } from '@squall/core';
import type { Transport, TransportListeners } from '../src';
import { spoutOnlyWorker, turns } from './spout-only-worker';

/** Counts what the spout sends to the remote bolt. */
class CountingTransport implements Transport {
  sent = 0;
  send(): void {
    this.sent++;
  }
  sendValues(): void {
    this.sent++;
  }
  flush(): void {}
  setListeners(_listeners: TransportListeners): void {}
}

/**
 * A paced spout in the shape of bench:latency's: one tuple due per scheduler pass, here every other `nextTuple` call
 * (the clock is manual, so "due" is by call count). `calls` counts every call.
 */
class EveryOtherCall extends Spout {
  static calls = 0;
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word']);
  }
  override nextTuple(): void {
    if (EveryOtherCall.calls++ % 2 === 1) this.collector.emit(['w']);
  }
}

/** The paced spout's worker (the bolt is remote), on a manual clock that does not move unless told. */
async function pacedSpoutWorker(conf: Config = {}) {
  EveryOtherCall.calls = 0;
  const transport = new CountingTransport();
  const clock = new ManualClock(1000);
  const runtime = await spoutOnlyWorker(EveryOtherCall.spec(), transport, { conf, clock });
  return { runtime, transport, clock };
}

test('by default an empty nextTuple sleeps at once: a spout due once a pass does not spin', async () => {
  const { runtime, transport, clock } = await pacedSpoutWorker();
  await turns(50);
  // First call empty → asleep until the clock moves 1 ms; no pass calls it again meanwhile.
  assert.equal(EveryOtherCall.calls, 1, 'asked once, then asleep');
  assert.equal(transport.sent, 0);
  for (let ms = 1; ms <= 5; ms++) {
    clock.advance(1);
    await turns(20);
    // Each wake: an emitting call, then an empty one, then asleep again.
    assert.equal(EveryOtherCall.calls, 1 + 2 * ms, `after ${ms} ms`);
    assert.equal(transport.sent, ms);
  }
  await runtime.shutdown(0);
});

test('level 2 rounds yield before sleeping, and an emit restarts them (why a paced spout used to spin)', async () => {
  const { runtime } = await pacedSpoutWorker({ 'topology.spout.wait.progressive.level2.count': 10 });
  await turns(200);
  // The spout emits every other call, so it never has 10 empty calls in a row: it is asked on every pass.
  const first = EveryOtherCall.calls;
  assert.ok(first >= 100, `asked on every pass without the clock moving (${first} calls in 200 turns)`);
  await turns(100);
  assert.ok(EveryOtherCall.calls >= first + 50, 'still asked: it never reaches the sleep');
  await runtime.shutdown(0);
});

test('level 2 rounds end in the sleep once that many empty calls come in a row', async () => {
  class Silent extends Spout {
    static calls = 0;
    override declareOutputFields(d: OutputFieldsDeclarer): void {
      d.declare(['word']);
    }
    override nextTuple(): void {
      Silent.calls++;
    }
  }
  const clock = new ManualClock(1000);
  const runtime = await spoutOnlyWorker(Silent.spec(), new CountingTransport(), {
    conf: { 'topology.spout.wait.progressive.level2.count': 10 },
    clock,
  });
  await turns(100);
  assert.equal(Silent.calls, 11, '10 yielding rounds after the first empty call, then asleep');
  clock.advance(1);
  await turns(100);
  assert.equal(Silent.calls, 12, 'once per sleep after that: the empty streak is not reset by waking');
  await runtime.shutdown(0);
});
