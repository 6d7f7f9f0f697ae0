import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Spout, type OutputFieldsDeclarer } from '@squall/api';
import type { Transport, TupleImpl } from '../src';
import { spoutOnlyWorker } from './spout-only-worker';

/**
 * A transport that, like the gRPC one, keeps a partial batch until asked to flush it: `flush(0)` sends everything,
 * `flush(ms > 0)` sends nothing (as if every partial batch were younger than the interval).
 */
class HoldingTransport implements Transport {
  held = 0;
  sent = 0;
  send(_task: number, _tuple: TupleImpl): void {
    this.held++;
  }
  sendValues(): void {
    this.held++;
  }
  flush(maxWaitMs: number): void {
    if (maxWaitMs > 0) return;
    this.sent += this.held;
    this.held = 0;
  }
  setListeners(): void {}
}

class Endless extends Spout {
  private i = 0;
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word']);
  }
  override nextTuple(): void {
    this.collector.emit([`w${this.i++ % 7}`]);
  }
}

test('shutdown sends the partial batches that busy passes left for later', async () => {
  const transport = new HoldingTransport();
  const runtime = await spoutOnlyWorker(Endless.spec(), transport);
  // The spout never runs dry, so every pass has work and asks only for batches older than the interval.
  while (transport.held < 5000) await new Promise((r) => setImmediate(r));
  await runtime.shutdown(0);
  assert.ok(transport.sent + transport.held >= 5000);
  assert.equal(transport.held, 0, 'nothing is left unsent after shutdown');
});
