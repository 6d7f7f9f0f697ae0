import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Bolt,
  FailedException,
  TopologyBuilder,
  isTickTuple,
  type OutputCollector,
  type OutputFieldsDeclarer,
  type TopologyContext,
  type Tuple,
} from '@squall/api';
import type { Config } from '@squall/core';
import { LocalCluster, completeTopology } from '../src';
import { ListSpout, RecordingBolt, SpoutLedger, SplitBolt, numbered, waitFor, type Received } from './fixtures';

test('a tuple tree anchored across several bolts completes once, only after every descendant is acked', async () => {
  const held: Tuple[] = [];
  class HoldingBolt extends Bolt {
    override execute(t: Tuple): void {
      held.push(t);
    }
  }
  const ledger = new SpoutLedger();
  const log: Received[] = [];
  const b = new TopologyBuilder();
  b.setSpout('sentences', () => new ListSpout([['a b c'], ['d e']], ledger, { fields: ['sentence'] }));
  b.setBolt('split', SplitBolt, 2).shuffleGrouping('sentences');
  b.setBolt('echo', () => new RecordingBolt(log, ['word']), 2).fieldsGrouping('split', ['word']);
  const holders: HoldingBolt[] = [];
  b.setBolt('hold', () => {
    const h = new HoldingBolt();
    holders.push(h);
    return h;
  }).shuffleGrouping('echo');
  const cluster = await LocalCluster.create();
  try {
    const running = await cluster.submitTopology('tree', {}, b.createTopology());
    await waitFor(() => held.length === 5, 'all five words to reach the last bolt');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(ledger.ackCount, 0, 'no tree completes while a leaf is unacked');
    const collector = (holders[holders.length - 1] as unknown as { collector: { ack(t: Tuple): void } }).collector;
    for (const t of held.filter((t) => ['a', 'b'].includes(t.getString(0)))) collector.ack(t);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(ledger.ackCount, 0, "first sentence's tree still has an unacked leaf (c)");
    collector.ack(held.find((t) => t.getString(0) === 'c')!);
    await waitFor(() => ledger.acked.get(0) === 1, 'sentence 0 to complete');
    assert.equal(ledger.acked.has(1), false);
    for (const t of held.filter((t) => ['d', 'e'].includes(t.getString(0)))) collector.ack(t);
    await waitFor(() => ledger.acked.get(1) === 1, 'sentence 1 to complete');
    assert.equal(running.stats().sentences!.acked, 2);
    assert.equal(ledger.failCount, 0);
  } finally {
    await cluster.shutdown();
  }
});

test('a failed tuple is replayed by the spout and finally acked', async () => {
  const seen = new Set<string>();
  class FailFirstBolt extends Bolt {
    override execute(t: Tuple): void {
      const v = t.getString(0);
      if (!seen.has(v)) {
        seen.add(v);
        this.collector.fail(t);
      } else this.collector.ack(t);
    }
  }
  const ledger = new SpoutLedger();
  const b = new TopologyBuilder();
  b.setSpout('src', () => new ListSpout(numbered(200), ledger));
  b.setBolt('flaky', FailFirstBolt, 2).shuffleGrouping('src');
  const result = await completeTopology(b.createTopology('replay'));
  assert.equal(ledger.acked.size, 200, 'every message id acked');
  for (const n of ledger.acked.values()) assert.equal(n, 1);
  assert.equal(ledger.failCount, 200, 'each failed exactly once first');
  assert.equal(result.stats.src!.failed, 200);
  assert.equal(result.stats.src!.acked, 200);
  assert.equal(result.stats.flaky!.failed, 200);
});

test('a tuple that is never acked times out, is failed and replayed, and is finally acked', async () => {
  const seen = new Set<string>();
  class DropFirstBolt extends Bolt {
    override execute(t: Tuple): void {
      const v = t.getString(0);
      if (seen.has(v)) this.collector.ack(t);
      else seen.add(v); // neither acked nor failed: only the timeout can settle it
    }
  }
  const ledger = new SpoutLedger();
  const b = new TopologyBuilder();
  b.setSpout('src', () => new ListSpout(numbered(20), ledger));
  b.setBolt('drop', DropFirstBolt).shuffleGrouping('src');
  const started = Date.now();
  await completeTopology(b.createTopology('timeout'), { conf: { 'topology.message.timeout.secs': 1 } });
  assert.equal(ledger.acked.size, 20);
  assert.equal(ledger.failCount, 20);
  assert.ok(Date.now() - started >= 1000, 'replay happened only after the timeout');
});

test('topology.max.spout.pending caps unacked tuples per spout task', async () => {
  const held: Tuple[] = [];
  let collector: { ack(t: Tuple): void } | undefined;
  class HoldBolt extends Bolt {
    override prepare(): void {
      collector = this.collector;
    }
    override execute(t: Tuple): void {
      held.push(t);
    }
  }
  const ledger = new SpoutLedger();
  const b = new TopologyBuilder();
  b.setSpout('src', () => new ListSpout(numbered(50), ledger)).setMaxSpoutPending(5);
  b.setBolt('hold', HoldBolt).shuffleGrouping('src');
  const cluster = await LocalCluster.create();
  try {
    await cluster.submitTopology('pending', {}, b.createTopology());
    await waitFor(() => held.length === 5, 'five tuples in flight');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(held.length, 5, 'no sixth tuple while five are pending');
    assert.equal(ledger.emitted, 5);
    collector!.ack(held[0]!);
    collector!.ack(held[1]!);
    await waitFor(() => held.length === 7, 'two more after two acks');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(held.length, 7);
  } finally {
    await cluster.shutdown();
  }
});

test('tick tuples arrive at the configured rate and are not counted as data', async () => {
  const ticks: number[] = [];
  class TickBolt extends Bolt {
    override execute(t: Tuple): void {
      if (isTickTuple(t)) ticks.push(Date.now());
      this.collector.ack(t);
    }
  }
  const b = new TopologyBuilder();
  b.setSpout('src', () => new ListSpout([], new SpoutLedger()));
  b.setBolt('ticked', TickBolt).shuffleGrouping('src').addConfiguration('topology.tick.tuple.freq.secs', 0.1);
  const cluster = await LocalCluster.create();
  try {
    await cluster.submitTopology('ticks', {}, b.createTopology());
    await waitFor(() => ticks.length >= 6, 'six ticks');
    const gaps = ticks.slice(1).map((t, i) => t - ticks[i]!);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    assert.ok(mean >= 80 && mean <= 200, `mean tick interval ${mean} ms for a 100 ms setting`);
  } finally {
    await cluster.shutdown();
  }
});

test('a bolt that throws fails the input, reports the error with component and task, and keeps running', async () => {
  let calls = 0;
  class ThrowingBolt extends Bolt {
    override declareOutputFields(_d: OutputFieldsDeclarer): void {}
    override execute(t: Tuple): void {
      calls++;
      if (calls % 10 === 0) throw new Error(`boom on ${t.getString(0)}`);
      if (calls % 10 === 5) throw new FailedException('quiet failure');
      this.collector.ack(t);
    }
  }
  const ledger = new SpoutLedger();
  const b = new TopologyBuilder();
  b.setSpout('src', () => new ListSpout(numbered(100), ledger));
  b.setBolt('thrower', ThrowingBolt).shuffleGrouping('src');
  const result = await completeTopology(b.createTopology('throws'));
  assert.equal(ledger.acked.size, 100, 'every tuple eventually acked through replays');
  assert.ok(ledger.failCount >= 19, `failures replayed (${ledger.failCount})`);
  const boom = result.errors.filter((e) => e.message.includes('boom'));
  assert.ok(boom.length > 0 && boom.length <= 10, 'errors kept (last 10)');
  assert.equal(boom[0]!.component, 'thrower');
  assert.equal(boom[0]!.task, 3, 'tasks: __acker 1, src 2, thrower 3');
  assert.equal(
    result.errors.some((e) => e.message.includes('quiet failure')),
    false,
    'FailedException is not reported',
  );
});

test('backpressure: a slow bolt pauses the spout, queues stay bounded, nothing is dropped', async () => {
  const log: Received[] = [];
  class SlowBolt extends Bolt {
    override execute(t: Tuple): void {
      const until = performance.now() + 0.02;
      while (performance.now() < until);
      log.push({ task: 0, values: [], source: t.sourceComponent, stream: t.sourceStreamId });
      this.collector.ack(t);
    }
  }
  const ledger = new SpoutLedger();
  const b = new TopologyBuilder();
  b.setSpout('src', () => new ListSpout(numbered(20000), ledger, { tracked: false }));
  b.setBolt('slow', SlowBolt).shuffleGrouping('src');
  const cluster = await LocalCluster.create();
  try {
    const running = await cluster.submitTopology(
      'bp',
      { 'topology.executor.receive.buffer.size': 100 },
      b.createTopology(),
    );
    await waitFor(() => log.length === 20000, 'all 20,000 tuples executed', 30000);
    assert.equal(ledger.emitted, 20000);
    assert.ok(running.runtime.queueHighWater <= 100 + 512, `queue high water ${running.runtime.queueHighWater}`);
  } finally {
    await cluster.shutdown();
  }
});

test('a spout paused by an overloaded task resumes as soon as the overload clears, even outside a scheduler pass', async () => {
  // A shell bolt clears its overload when its child answers on a pipe, i.e. in an I/O callback, not in a pass: the
  // paused spout must be woken then, not at the next housekeeping tick (up to a second later).
  let context: TopologyContext | undefined;
  class GateBolt extends Bolt {
    override prepare(_conf: Config, ctx: TopologyContext, _collector: OutputCollector): void {
      context = ctx;
      ctx.setOverloaded(true);
    }
    override execute(t: Tuple): void {
      this.collector.ack(t);
    }
  }
  const ledger = new SpoutLedger();
  const b = new TopologyBuilder();
  b.setSpout('src', () => new ListSpout(numbered(1000000), ledger, { tracked: false }));
  b.setBolt('gate', GateBolt).shuffleGrouping('src');
  const cluster = await LocalCluster.create();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  try {
    await cluster.submitTopology('gate', { 'topology.message.timeout.secs': 300 }, b.createTopology());
    for (let round = 0; round < 3; round++) {
      await sleep(300);
      const paused = ledger.emitted;
      await sleep(100);
      assert.equal(ledger.emitted, paused, `round ${round}: the spout stays paused while the bolt is overloaded`);
      context!.setOverloaded(false); // from a timer callback, outside any pass
      await sleep(30);
      assert.ok(ledger.emitted > paused, `round ${round}: the spout resumed within 30 ms of the overload clearing`);
      context!.setOverloaded(true);
    }
  } finally {
    await cluster.shutdown();
  }
});

test('a topology that fails validation is rejected at submit with every problem', async () => {
  const b = new TopologyBuilder();
  b.setBolt('lonely', SplitBolt).shuffleGrouping('nowhere');
  const cluster = await LocalCluster.create();
  await assert.rejects(cluster.submitTopology('bad', {}, b.createTopology()), (err: Error) => {
    assert.match(err.message, /no spout/);
    assert.match(err.message, /unknown source component 'nowhere'/);
    return true;
  });
  assert.deepEqual(cluster.list(), []);
});

test('a kill with a wait lets untracked inputs a bolt still holds (async executes, its own later acks) settle first', async () => {
  // Like a shell bolt: takes inputs, acks them later on its own, and says how many it still holds.
  class LaterAckBolt extends Bolt {
    private readonly holding: Tuple[] = [];
    override execute(t: Tuple): void {
      this.holding.push(t);
      if (this.holding.length === 1)
        setTimeout(() => this.holding.splice(0).forEach((h) => this.collector.ack(h)), 300);
    }
    unsettledInputs(): number {
      return this.holding.length;
    }
  }
  class SlowAsyncBolt extends Bolt {
    override async execute(t: Tuple): Promise<void> {
      await new Promise((r) => setTimeout(r, 300));
      this.collector.ack(t);
    }
  }
  const items = numbered(20);
  for (const wait of [0, 2]) {
    const b = new TopologyBuilder();
    b.setSpout('untracked', () => new ListSpout(items, new SpoutLedger(), { tracked: false }));
    b.setBolt('later', LaterAckBolt).shuffleGrouping('untracked');
    b.setBolt('async', SlowAsyncBolt).shuffleGrouping('untracked');
    const cluster = await LocalCluster.create();
    try {
      const running = await cluster.submitTopology('drain', {}, b.createTopology());
      await waitFor(
        () => running.stats().later!.executed === 20 && running.stats().async!.executed === 20,
        'every item to be executed',
      );
      await cluster.killTopology('drain', wait);
      const s = running.stats();
      if (wait === 0)
        assert.ok(s.later!.acked < 20 || s.async!.acked < 20, 'without a wait the stop does not wait for them');
      else {
        assert.equal(s.later!.acked, 20, 'the bolt acked what it held before the stop went on');
        assert.equal(s.async!.acked, 20, 'every async execute settled before the stop went on');
      }
    } finally {
      await cluster.shutdown();
    }
  }
});

test('an untracked tuple delivered to two bolts is acked and counted by each', async () => {
  class AckLaterBolt extends Bolt {
    override execute(t: Tuple): void {
      setTimeout(() => this.collector.ack(t), 20);
    }
  }
  const b = new TopologyBuilder();
  b.setSpout('untracked', () => new ListSpout(numbered(50), new SpoutLedger(), { tracked: false }));
  b.setBolt('first', AckLaterBolt).allGrouping('untracked');
  b.setBolt('second', AckLaterBolt, 2).allGrouping('untracked');
  const cluster = await LocalCluster.create();
  try {
    const running = await cluster.submitTopology('fanout', {}, b.createTopology());
    await waitFor(
      () => running.stats().first!.acked === 50 && running.stats().second!.acked === 100,
      'every receiver to ack every tuple',
    );
    assert.equal(running.stats().first!.executed, 50);
    assert.equal(running.stats().second!.executed, 100);
  } finally {
    await cluster.shutdown();
  }
});

test("Storm's error throttle: a bolt throwing on every tuple reports topology.max.error.report.per.interval errors per interval, fails every input", async () => {
  class AlwaysThrows extends Bolt {
    override execute(t: Tuple): void {
      throw new Error(`bad ${t.getString(0)}`);
    }
  }
  const ledger = new SpoutLedger();
  const b = new TopologyBuilder();
  // Tracked: every failed input is replayed, so the errors keep coming.
  b.setSpout('src', () => new ListSpout(numbered(50), ledger));
  b.setBolt('thrower', AlwaysThrows).shuffleGrouping('src');
  const cluster = await LocalCluster.create();
  try {
    const conf = { 'topology.max.error.report.per.interval': 3, 'topology.error.throttle.interval.secs': 2 };
    const running = await cluster.submitTopology('throttled', conf, b.createTopology());
    await waitFor(() => running.stats().thrower!.failed >= 200, '200 failed inputs');
    assert.equal(running.errors().length, 3, 'three errors reported in the first interval, though 200 inputs threw');
    await waitFor(() => running.errors().length > 3, 'the next interval to report again', 5000);
    assert.ok(running.errors().length <= 6, `at most three per interval (${running.errors().length})`);
    assert.ok(ledger.failCount >= 200, 'every throw failed its input all the same');
  } finally {
    await cluster.shutdown();
  }
});
