import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bolt, Count, Duration, type Tuple } from '@squall/api';
import { WindowRig } from './windowing-harness';

// Every test runs spout -> windowed bolt in a local cluster whose clock only moves when the test advances it: window
// contents, firing times and acks are exact.

test('count window sliding by 2, length 3: fires every second tuple with the last three; a tuple is acked when it leaves', async () => {
  const rig = new WindowRig();
  await rig.start((b) => b.withWindow(Count.of(3), Count.of(2)));
  try {
    await rig.feed([1]);
    assert.equal(rig.firings.length, 0);
    await rig.feed([2]);
    assert.deepEqual(
      rig.firings.map((f) => [f.all, f.new, f.expired]),
      [[[1, 2], [1, 2], []]],
    );
    await rig.feed([3], [4]);
    assert.deepEqual(rig.firings[1], { at: 0, all: [2, 3, 4], new: [3, 4], expired: [1], start: undefined, end: 0 });
    assert.deepEqual(rig.ledger.acked, [1]);
    await rig.feed([5], [6], [7]);
    assert.deepEqual(
      rig.firings.map((f) => f.all),
      [
        [1, 2],
        [2, 3, 4],
        [4, 5, 6],
      ],
    );
    assert.deepEqual(rig.firings[2]!.expired, [2, 3]);
    assert.deepEqual(rig.ledger.acked, [1, 2, 3]);
    assert.deepEqual(rig.ledger.failed, []);
    assert.deepEqual(rig.emitted.default, [[2], [3], [3]]);
  } finally {
    await rig.stop();
  }
});

test('tumbling count window of 3: disjoint windows, the previous window expires whole', async () => {
  const rig = new WindowRig();
  await rig.start((b) => b.withTumblingWindow(Count.of(3)));
  try {
    await rig.feed([1], [2], [3], [4], [5], [6], [7]);
    assert.deepEqual(
      rig.firings.map((f) => [f.all, f.new, f.expired]),
      [
        [[1, 2, 3], [1, 2, 3], []],
        [
          [4, 5, 6],
          [4, 5, 6],
          [1, 2, 3],
        ],
      ],
    );
    assert.deepEqual(rig.ledger.acked, [1, 2, 3]);
  } finally {
    await rig.stop();
  }
});

test('no slide given: a count window slides by one tuple', async () => {
  const rig = new WindowRig();
  await rig.start((b) => b.withWindow(Count.of(2)));
  try {
    await rig.feed([1], [2], [3]);
    assert.deepEqual(
      rig.firings.map((f) => f.all),
      [[1], [1, 2], [2, 3]],
    );
    assert.deepEqual(rig.ledger.acked, [1]);
  } finally {
    await rig.stop();
  }
});

test('sliding duration window 10 s / 5 s: fires on the clock, also after input stops, holding start < arrival <= end', async () => {
  const rig = new WindowRig();
  await rig.start((b) => b.withWindow(Duration.seconds(10), Duration.seconds(5)));
  try {
    await rig.advanceTo(1000);
    await rig.feed(['a']);
    await rig.advanceTo(4000);
    await rig.feed(['b']);
    await rig.advanceTo(6000);
    await rig.feed(['c']);
    await rig.advanceTo(12000);
    await rig.feed(['d']);
    // No input after 12 s: the windows still fire on the clock. Steps of 5 s, so acks are processed at each firing.
    for (const t of [15000, 20000, 25000, 30000]) await rig.advanceTo(t);
    assert.deepEqual(rig.firings, [
      { at: 5000, all: ['a', 'b'], new: ['a', 'b'], expired: [], start: -5001, end: 4999 },
      { at: 10000, all: ['a', 'b', 'c'], new: ['c'], expired: [], start: -1, end: 9999 },
      { at: 15000, all: ['c', 'd'], new: ['d'], expired: ['a', 'b'], start: 4999, end: 14999 },
      { at: 20000, all: ['d'], new: [], expired: ['c'], start: 9999, end: 19999 },
    ]);
    // The window at 25 s is empty (d left it), so execute is not called; d is acked then.
    assert.deepEqual(
      [...rig.ledger.ackedAt],
      [
        ['a', 15000],
        ['b', 15000],
        ['c', 20000],
        ['d', 25000],
      ],
    );
  } finally {
    await rig.stop();
  }
});

test('tumbling duration window of 5 s: a tuple arriving at the boundary belongs to the next window', async () => {
  const rig = new WindowRig();
  await rig.start((b) => b.withTumblingWindow(Duration.seconds(5)));
  try {
    await rig.advanceTo(1000);
    await rig.feed(['a']);
    await rig.advanceTo(4999);
    await rig.feed(['b']);
    await rig.advanceTo(5000);
    await rig.feed(['c']);
    await rig.advanceTo(10000);
    assert.deepEqual(rig.firings, [
      { at: 5000, all: ['a', 'b'], new: ['a', 'b'], expired: [], start: -1, end: 4999 },
      { at: 10000, all: ['c'], new: ['c'], expired: ['a', 'b'], start: 4999, end: 9999 },
    ]);
  } finally {
    await rig.stop();
  }
});

test('duration window sliding by count: fires every second tuple with the tuples of the last 10 s', async () => {
  const rig = new WindowRig();
  await rig.start((b) => b.withWindow(Duration.seconds(10), Count.of(2)));
  try {
    await rig.advanceTo(1000);
    await rig.feed(['a']);
    await rig.advanceTo(2000);
    await rig.feed(['b']);
    await rig.advanceTo(11000);
    await rig.feed(['c']);
    await rig.advanceTo(12500);
    await rig.feed(['d']);
    assert.deepEqual(rig.firings, [
      { at: 2000, all: ['a', 'b'], new: ['a', 'b'], expired: [], start: -8000, end: 2000 },
      { at: 12500, all: ['c', 'd'], new: ['c', 'd'], expired: ['a', 'b'], start: 2500, end: 12500 },
    ]);
  } finally {
    await rig.stop();
  }
});

test('count window sliding by duration: the last 2 tuples every 5 s, again when nothing new came', async () => {
  const rig = new WindowRig();
  await rig.start((b) => b.withWindow(Count.of(2), Duration.seconds(5)));
  try {
    await rig.advanceTo(1000);
    await rig.feed(['a'], ['b'], ['c']);
    await rig.advanceTo(10000);
    assert.deepEqual(rig.firings, [
      { at: 5000, all: ['b', 'c'], new: ['b', 'c'], expired: ['a'], start: undefined, end: 4999 },
      { at: 10000, all: ['b', 'c'], new: [], expired: [], start: undefined, end: 9999 },
    ]);
  } finally {
    await rig.stop();
  }
});

test('event time: watermark = latest timestamp - lag every interval; windows end on multiples of the slide; late tuples go to the late stream and are acked', async () => {
  const rig = new WindowRig();
  await rig.start(
    (b) =>
      b
        .withWindow(Duration.seconds(10), Duration.seconds(5))
        .withTimestampField('ts')
        .withLag(Duration.seconds(2))
        .withWatermarkInterval(Duration.seconds(1))
        .withLateTupleStream('late'),
    { fields: ['id', 'ts'] },
  );
  try {
    await rig.feed(['a', 1000], ['b', 3000], ['c', 6000], ['d', 9000]);
    assert.equal(rig.firings.length, 0, 'nothing fires before the first watermark');
    await rig.advanceTo(1000); // watermark 9000 - 2000 = 7000: the window ending at 5000 fires
    assert.deepEqual(rig.firings, [
      { at: 1000, all: ['a', 'b'], new: ['a', 'b'], expired: [], start: -5000, end: 5000 },
    ]);
    await rig.feed(['e', 6500], ['f', 7000], ['g', 14000]);
    assert.deepEqual(rig.emitted.late, [
      [{ component: 'feed', stream: 'default', task: 2, fields: ['id', 'ts'], values: ['e', 6500], timestamp: 6500 }],
    ]);
    assert.deepEqual(rig.ledger.acked, ['e'], 'the late tuple is acked at once');
    await rig.advanceTo(2000); // watermark 12000: the window ending at 10000
    assert.deepEqual(rig.firings[1], {
      at: 2000,
      all: ['a', 'b', 'c', 'd', 'f'],
      new: ['c', 'd', 'f'],
      expired: [],
      start: 0,
      end: 10000,
    });
    await rig.advanceTo(3000); // no new timestamps: the watermark does not move, nothing fires
    assert.equal(rig.firings.length, 2);
    await rig.feed(['h', 30000]);
    await rig.advanceTo(4000); // watermark 28000: windows ending at 15000 and 20000; 25000 is empty
    assert.deepEqual(rig.firings.slice(2), [
      { at: 4000, all: ['c', 'd', 'f', 'g'], new: ['g'], expired: ['a', 'b'], start: 5000, end: 15000 },
      { at: 4000, all: ['g'], new: [], expired: ['c', 'd', 'f'], start: 10000, end: 20000 },
    ]);
    assert.deepEqual(rig.ledger.acked, ['e', 'a', 'b', 'c', 'd', 'f', 'g']);
  } finally {
    await rig.stop();
  }
});

test('event time without a late stream: a late tuple is logged and acked, nothing is emitted for it', async () => {
  const rig = new WindowRig();
  await rig.start((b) => b.withTumblingWindow(Duration.seconds(5)).withTimestampField('ts'), { fields: ['id', 'ts'] });
  try {
    await rig.feed(['a', 8000]);
    await rig.advanceTo(1000); // watermark 8000 (no lag): the window ending at 5000 is empty, so nothing fires yet
    assert.equal(rig.firings.length, 0);
    await rig.feed(['late', 7999], ['b', 9000], ['c', 12000]);
    assert.deepEqual(rig.ledger.acked, ['late']);
    await rig.advanceTo(2000); // watermark 12000: the window (5000, 10000]
    assert.deepEqual(rig.firings, [
      { at: 2000, all: ['a', 'b'], new: ['a', 'b'], expired: [], start: 5000, end: 10000 },
    ]);
    assert.equal(rig.emitted.late, undefined);
  } finally {
    await rig.stop();
  }
});

test('event-time count window: fires every 2 tuples the watermark has passed, with the last 3 of them', async () => {
  const rig = new WindowRig();
  await rig.start((b) => b.withWindow(Count.of(3), Count.of(2)).withTimestampField('ts'), { fields: ['id', 'ts'] });
  try {
    await rig.feed(['a', 1000], ['b', 2000], ['c', 3000], ['d', 4000], ['e', 5000]);
    await rig.advanceTo(1000); // watermark 5000: every 2nd tuple up to it
    assert.deepEqual(
      rig.firings.map((f) => [f.all, f.end]),
      [
        [['a', 'b'], 2000],
        [['b', 'c', 'd'], 4000],
      ],
    );
    assert.deepEqual(rig.ledger.acked, ['a']);
  } finally {
    await rig.stop();
  }
});

test('emits are anchored to every tuple of the window: a spout tuple completes only once it has expired and what the window emitted is acked', async () => {
  const held: Tuple[] = [];
  let holder: Bolt | undefined;
  class HoldingBolt extends Bolt {
    override execute(t: Tuple): void {
      held.push(t);
    }
    release(): void {
      for (const t of held.splice(0)) this.collector.ack(t);
    }
  }
  const rig = new WindowRig();
  await rig.start((b) => b.withTumblingWindow(Count.of(2)), { downstream: () => (holder = new HoldingBolt()) });
  try {
    await rig.feed([1], [2]);
    assert.equal(held.length, 1, 'the first window emitted one tuple, held downstream');
    await rig.feed([3], [4]); // 1 and 2 expire and are acked by the window, but their emitted child is still held
    assert.equal(held.length, 2);
    assert.deepEqual(rig.ledger.acked, []);
    (holder as HoldingBolt).release();
    await rig.settle();
    // Both windows' children are acked now; 1 and 2 have expired, 3 and 4 are still in the window.
    assert.deepEqual(rig.ledger.acked.sort(), [1, 2]);
    assert.deepEqual(rig.ledger.failed, []);
  } finally {
    await rig.stop();
  }
});
