import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EmitError, Spout, TopologyBuilder, type OutputFieldsDeclarer } from '@squall/api';
import { LocalCluster } from '../src';
import { RecordingBolt, waitFor, type Received } from './fixtures';

/** Emits one value of `sizes[i]` bytes per call on stream 'blobs', catching and recording what emit throws. */
class SizedSpout extends Spout {
  private i = 0;
  constructor(
    private readonly sizes: number[],
    private readonly thrown: unknown[],
  ) {
    super();
  }
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declareStream('blobs', ['blob', 'n']);
  }
  override nextTuple(): void {
    if (this.i >= this.sizes.length) return;
    const n = this.i++;
    try {
      this.collector.emit('blobs', ['x'.repeat(this.sizes[n]!), n]);
    } catch (err) {
      this.thrown.push(err);
    }
  }
}

test('topology.max.tuple.bytes: an oversized emit throws a clear EmitError into the component; smaller tuples flow on', async () => {
  const thrown: unknown[] = [];
  const got: Received[] = [];
  const b = new TopologyBuilder();
  b.setSpout('big', () => new SizedSpout([10, 5000, 20], thrown));
  b.setBolt('sink', () => new RecordingBolt(got), 1).shuffleGrouping('big', 'blobs');
  const cluster = await LocalCluster.create();
  try {
    await cluster.submitTopology('limits', { 'topology.max.tuple.bytes': 1000 }, b.createTopology());
    await waitFor(() => got.length === 2 && thrown.length === 1, 'two small tuples delivered and one emit refused');
    const err = thrown[0];
    assert.ok(err instanceof EmitError, `an EmitError, got ${String(err)}`);
    assert.match(
      err.message,
      /component 'big' emitted a tuple of about \d+ bytes on stream 'blobs', over topology\.max\.tuple\.bytes = 1000/,
    );
    const size = Number(/about (\d+) bytes/.exec(err.message)![1]);
    assert.ok(size >= 5000 && size < 5100, `size ${size} close to the 5000-byte value`);
    assert.deepEqual(got.map((r) => r.values[1]).sort(), [0, 2]);
  } finally {
    await cluster.shutdown();
  }
});

test('topology.max.tuple.bytes defaults to 8 MiB: a 9 MiB value is refused, a 1 MiB one delivered', async () => {
  const thrown: unknown[] = [];
  const got: Received[] = [];
  const b = new TopologyBuilder();
  b.setSpout('big', () => new SizedSpout([9 * 1024 * 1024, 1024 * 1024], thrown));
  b.setBolt('sink', () => new RecordingBolt(got), 1).shuffleGrouping('big', 'blobs');
  const cluster = await LocalCluster.create();
  try {
    await cluster.submitTopology('limits-default', {}, b.createTopology());
    await waitFor(() => got.length === 1 && thrown.length === 1, 'one delivered, one refused');
    assert.match((thrown[0] as Error).message, /over topology\.max\.tuple\.bytes = 8388608/);
  } finally {
    await cluster.shutdown();
  }
});
