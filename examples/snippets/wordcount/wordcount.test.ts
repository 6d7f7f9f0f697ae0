// wordcount.test.ts: tests of the topology above, with Node's test runner
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalCluster, completeTopology } from '@squall/local';
import wordcount from './topology';

test('on a local cluster: counters and errors while it runs', async () => {
  const cluster = await LocalCluster.create();
  const running = await cluster.submitTopology('wc', { 'topology.message.timeout.secs': 5 }, wordcount);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.ok(running.stats().count!.executed > 0); // per-component counters
  assert.deepEqual(running.errors(), []);
  await cluster.shutdown();
});

test('completeTopology: fixed input, until every tracked tuple completes; what each component emitted', async () => {
  const { emitted } = await completeTopology(wordcount, { mockSources: { word: [['dog'], ['cat']] } });
  // Emit order is kept per task; 'dog' and 'cat' may be counted by different tasks of 'count'.
  assert.deepEqual(emitted.count!.default!.sort(), [
    ['cat', 1],
    ['dog', 10],
  ]);
});
