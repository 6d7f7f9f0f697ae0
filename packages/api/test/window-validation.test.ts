import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Count,
  Duration,
  InvalidTopologyError,
  Spout,
  TopologyBuilder,
  WindowedBolt,
  fields,
  topology,
  topologyProblems,
  validateTopology,
  type OutputFieldsDeclarer,
  type TupleWindow,
} from '../src';

class WordSpout extends Spout {
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word', 'ts']);
  }
  override nextTuple(): void {}
}
class Counter extends WindowedBolt {
  override execute(_w: TupleWindow): void {}
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['count']);
  }
}

test("the with... methods set Storm's window keys in the component configuration", () => {
  const b = new TopologyBuilder();
  b.setSpout('words', WordSpout);
  b.setBolt('sliding', () => new Counter().withWindow(Duration.minutes(5), Duration.seconds(60))).shuffleGrouping(
    'words',
  );
  b.setBolt('tumbling', () => new Counter().withTumblingWindow(Count.of(10))).shuffleGrouping('words');
  b.setBolt('by-one', () => new Counter().withWindow(Count.of(10))).shuffleGrouping('words');
  b.setBolt('event', () =>
    new Counter()
      .withWindow(Duration.seconds(10))
      .withTimestampField('ts')
      .withLag(Duration.seconds(3))
      .withWatermarkInterval(Duration.ms(500))
      .withLateTupleStream('late'),
  ).shuffleGrouping('words');
  const t = b.createTopology('w', { 'topology.message.timeout.secs': 600 });
  assert.deepEqual(t.component('sliding')!.conf, {
    'topology.bolts.window.length.duration.ms': 300000,
    'topology.bolts.window.sliding.interval.duration.ms': 60000,
  });
  assert.deepEqual(t.component('tumbling')!.conf, {
    'topology.bolts.window.length.count': 10,
    'topology.bolts.window.sliding.interval.count': 10,
  });
  assert.deepEqual(t.component('by-one')!.conf, {
    'topology.bolts.window.length.count': 10,
    'topology.bolts.window.sliding.interval.count': 1,
  });
  assert.deepEqual(t.component('event')!.conf, {
    'topology.bolts.window.length.duration.ms': 10000,
    'topology.bolts.window.sliding.interval.count': 1,
    'topology.bolts.tuple.timestamp.field.name': 'ts',
    'topology.bolts.tuple.timestamp.max.lag.ms': 3000,
    'topology.bolts.watermark.event.interval.ms': 500,
    'topology.bolts.late.tuple.stream': 'late',
  });
  // The late stream is declared for the bolt, with Storm's single field.
  assert.deepEqual(t.component('event')!.outputs, [
    { id: 'default', fields: ['count'], direct: false },
    { id: 'late', fields: ['late_tuple'], direct: false },
  ]);
  assert.deepEqual(topologyProblems(t), []);
});

test('the declarative form takes the window as options and gives the same configuration', () => {
  const t = topology('w', {
    words: WordSpout.spec(),
    count: Counter.spec({
      inputs: { words: fields('word') },
      par: 2,
      window: { length: Duration.seconds(10), slide: Duration.seconds(1) },
    }),
    tumble: Counter.spec({ inputs: { words: fields('word') }, window: { length: Count.of(5), tumbling: true } }),
  });
  assert.deepEqual(t.component('count')!.conf, {
    'topology.bolts.window.length.duration.ms': 10000,
    'topology.bolts.window.sliding.interval.duration.ms': 1000,
  });
  assert.deepEqual(t.component('tumble')!.conf, {
    'topology.bolts.window.length.count': 5,
    'topology.bolts.window.sliding.interval.count': 5,
  });
  assert.deepEqual(topologyProblems(t), []);
});

test('validation reports every window problem at once, each naming the component and the values', () => {
  const b = new TopologyBuilder();
  b.setSpout('words', WordSpout).setMaxSpoutPending(50);
  b.setBolt('long', () => new Counter().withWindow(Duration.seconds(25), Duration.seconds(10))).shuffleGrouping(
    'words',
  );
  b.setBolt('counted', () => new Counter().withWindow(Count.of(45), Count.of(10))).shuffleGrouping('words');
  b.setBolt('late', () =>
    new Counter().withTumblingWindow(Duration.seconds(5)).withLateTupleStream('late-words'),
  ).shuffleGrouping('words');
  b.setBolt('nowindow', Counter).shuffleGrouping('words');
  const t = b.createTopology('w');
  const err = (() => {
    try {
      validateTopology(t);
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(err instanceof InvalidTopologyError);
  assert.deepEqual([...err.problems].sort(), [
    "component 'counted': count window length + sliding interval (45 + 10 = 55) exceeds topology.max.spout.pending (50) of spout 'words': the window would never fill",
    "component 'late': late tuple stream 'late-words' needs event time: set a timestamp field (withTimestampField or topology.bolts.tuple.timestamp.field.name) or a timestamp extractor",
    "component 'long': window length + sliding interval (25000 ms + 10000 ms = 35000 ms) exceeds topology.message.timeout.secs (30 s = 30000 ms): tuples would time out while still in the window",
    "component 'nowindow': windowed bolt Counter has no window length: call withWindow or withTumblingWindow, or set topology.bolts.window.length.count or topology.bolts.window.length.duration.ms",
  ]);
  // Raising the limits fixes the first two; the timeout check follows topology.enable.message.timeouts as in Storm.
  const fixed = t.with({ conf: { 'topology.message.timeout.secs': 35, 'topology.enable.message.timeouts': true } });
  assert.equal(topologyProblems(fixed).filter((p) => p.startsWith("component 'long'")).length, 0);
  const off = t.with({ conf: { 'topology.enable.message.timeouts': false } });
  assert.equal(topologyProblems(off).filter((p) => p.startsWith("component 'long'")).length, 0);
});

test('an extractor counts as event time for the late stream; a topology-wide max pending applies to count windows', () => {
  const b = new TopologyBuilder();
  b.setSpout('words', WordSpout);
  b.setBolt('late', () =>
    new Counter()
      .withTumblingWindow(Duration.seconds(5))
      .withTimestampExtractor((t) => t.getNumber(1))
      .withLateTupleStream('late-words'),
  ).shuffleGrouping('words');
  b.setBolt('counted', () => new Counter().withTumblingWindow(Count.of(20))).shuffleGrouping('words');
  const t = b.createTopology('w', { 'topology.max.spout.pending': 39 });
  assert.deepEqual(topologyProblems(t), [
    "component 'counted': count window length + sliding interval (20 + 20 = 40) exceeds topology.max.spout.pending (39): the window would never fill",
  ]);
  assert.deepEqual(topologyProblems(t.with({ conf: { 'topology.max.spout.pending': 40 } })), []);
});
