import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Fields } from '@squall/api';
import { silentLogger } from '@squall/core';
import { LogLevels, TAP_BATCH_READY, TapHub, tapJson, tapRateCap } from '../src';

const WORD = new Fields(['word', 'count']);
const OTHER = new Fields(['n']);
const tick = () => new Promise((r) => setImmediate(r));

test('the hub is armed only while something listens, and disarms when the last tap goes', () => {
  const hub = new TapHub(silentLogger());
  assert.equal(hub.armed, false);
  const a = hub.add({ samplePct: 100 }, () => undefined);
  const b = hub.add({ component: 'count', samplePct: 100 }, () => undefined);
  assert.equal(hub.armed, true);
  assert.equal(hub.tapCount, 2);
  hub.remove(a);
  hub.remove(a);
  assert.equal(hub.tapCount, 1);
  hub.remove(b);
  assert.equal(hub.armed, false);
  hub.setDebug('', { enabled: true, samplingPct: 10 });
  assert.equal(hub.armed, true);
  hub.setDebug('', undefined);
  assert.equal(hub.armed, false);
});

test('each tap sees only its component, stream and filters; values are copied at emit time', async () => {
  const hub = new TapHub(silentLogger(), () => 1234);
  const all = hub.add({ samplePct: 100 }, () => undefined);
  const count = hub.add({ component: 'count', stream: 'default', samplePct: 100 }, () => undefined);
  const the = hub.add(
    {
      filters: [
        { field: 'word', value: 'the' },
        { field: 'count', value: '2' },
      ],
      samplePct: 100,
    },
    () => undefined,
  );
  const values: unknown[] = ['the', 2];
  hub.offer('count', 3, 'default', WORD, values, undefined);
  values[1] = 99; // mutated after the emit: the tap keeps what was emitted
  hub.offer('count', 3, 'other', WORD, ['the', 1], undefined);
  hub.offer('split', 1, 'default', OTHER, [7], 'm-7');
  await tick();
  assert.deepEqual(
    all.take(10).map((t) => [t.component, t.task, t.stream, t.valuesJson, t.messageIdJson, t.timeMs]),
    [
      ['count', 3, 'default', '["the",2]', '', 1234],
      ['count', 3, 'other', '["the",1]', '', 1234],
      ['split', 1, 'default', '[7]', '"m-7"', 1234],
    ],
  );
  assert.deepEqual(
    count.take(10).map((t) => t.valuesJson),
    ['["the",2]'],
  );
  // A stream without the filter's field never matches.
  assert.deepEqual(
    the.take(10).map((t) => [t.stream, t.valuesJson, t.fields]),
    [['default', '["the",2]', ['word', 'count']]],
  );
});

test('a full buffer drops and counts; take empties it; the reader is told once per turn', async () => {
  const hub = new TapHub(silentLogger());
  let told = 0;
  const sub = hub.add({ samplePct: 100 }, () => told++, 3);
  for (let i = 0; i < 10; i++) hub.offer('c', 1, 's', OTHER, [i], undefined);
  await tick();
  assert.equal(told, 1);
  assert.equal(sub.size, 3);
  assert.equal(sub.dropped, 7);
  assert.equal(sub.tapped, 3);
  assert.deepEqual(
    sub.take(2).map((t) => t.valuesJson),
    ['[0]', '[1]'],
  );
  assert.deepEqual(
    sub.take(5).map((t) => t.valuesJson),
    ['[2]'],
  );
  hub.offer('c', 1, 's', OTHER, [10], undefined);
  await tick();
  assert.equal(told, 2);
});

test("a rate cap of N/s takes N per second of a manual clock (one second's worth at most) and counts the rest apart from buffer drops", () => {
  let now = 5000;
  let clockReads = 0;
  const hub = new TapHub(
    silentLogger(),
    () => 1,
    () => (clockReads++, now),
  );
  const capped = hub.add({ samplePct: 100, maxPerSec: 100 }, () => undefined, 1_000_000);
  const free = hub.add({ samplePct: 100 }, () => undefined, 1_000_000);
  const emit = (n: number) => {
    for (let i = 0; i < n; i++) hub.offer('c', 1, 's', OTHER, [i], undefined);
  };
  // A full bucket at the start: one second's worth, then nothing until time moves.
  emit(1000);
  assert.deepEqual([capped.tapped, capped.rateCapped, capped.dropped], [100, 900, 0]);
  const readsWhileFull = clockReads;
  now += 1000;
  emit(1000);
  assert.deepEqual([capped.tapped, capped.rateCapped], [200, 1800]);
  now += 250;
  emit(1000);
  assert.deepEqual([capped.tapped, capped.rateCapped], [225, 2775]);
  // Ten idle seconds earn one second's worth, not ten.
  now += 10_000;
  emit(1000);
  assert.deepEqual([capped.tapped, capped.rateCapped], [325, 3675]);
  // Fractions add up: 10 ms earns one tuple; 5 ms twice earns one too.
  now += 10;
  emit(5);
  now += 5;
  emit(5);
  now += 5;
  emit(5);
  assert.deepEqual([capped.tapped, capped.rateCapped], [327, 3688]);
  assert.equal(capped.size, 327);
  // A tap without a cap takes everything, and never reads the clock.
  assert.deepEqual([free.tapped, free.rateCapped], [4015, 0]);
  // Once when the tap started, then once per tuple that found the bucket empty: none of the 100 a full bucket took.
  assert.equal(readsWhileFull, 1 + 900);
});

test('a capped tuple is not copied; a full buffer still drops (and counts) what the cap lets through', () => {
  const now = 0;
  const hub = new TapHub(
    silentLogger(),
    () => 1,
    () => now,
  );
  const sub = hub.add({ samplePct: 100, maxPerSec: 10 }, () => undefined, 4);
  let serialised = 0;
  const spy = { toJSON: () => (serialised++, 'v') };
  for (let i = 0; i < 50; i++) hub.offer('c', 1, 's', OTHER, [spy], undefined);
  assert.deepEqual([sub.tapped, sub.dropped, sub.rateCapped, serialised], [4, 6, 40, 4]);
});

test("tapRateCap: a tap gets what it asks for, never above the topology's cap; 0 means none", () => {
  assert.equal(tapRateCap(0, 1000), 1000);
  assert.equal(tapRateCap(50, 1000), 50);
  assert.equal(tapRateCap(5000, 1000), 1000);
  assert.equal(tapRateCap(0, 0), 0);
  assert.equal(tapRateCap(50, 0), 50);
});

test('sampling at 10% of 20,000 emits stays within 6 standard deviations of 2,000', () => {
  const hub = new TapHub(silentLogger());
  const sub = hub.add({ samplePct: 10 }, () => undefined, 1_000_000);
  for (let i = 0; i < 20_000; i++) hub.offer('c', 1, 's', OTHER, [i], undefined);
  // Binomial(20000, 0.1): sd 42.4; 6 sd = 255, which chance exceeds with probability below 1e-8.
  assert.ok(Math.abs(sub.size - 2000) <= 255, `sampled ${sub.size}`);
});

test('debug sampling logs event-log lines for the debugged component only', () => {
  const lines: Array<Record<string, unknown>> = [];
  const log = silentLogger();
  log.info = ((obj: Record<string, unknown>) => void lines.push(obj)) as typeof log.info;
  const hub = new TapHub(log);
  hub.setDebug('count', { enabled: true, samplingPct: 100 });
  hub.offer('count', 2, 'default', WORD, ['a', 1], 5);
  hub.offer('split', 1, 'default', OTHER, [1], undefined);
  assert.deepEqual(lines, [
    {
      component: 'count',
      task: 2,
      stream: 'default',
      fields: ['word', 'count'],
      values: ['a', 1],
      messageId: 5,
      eventLog: true,
    },
  ]);
});

test('tapJson never throws: BigInts, binary, cycles and huge values', () => {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  assert.equal(tapJson([1n, Buffer.from('hi'), new Uint8Array([1, 2])]), '["1",{"base64":"aGk="},{"base64":"AQI="}]');
  assert.equal(tapJson([cyclic]), '[{"a":1,"self":"[cycle]"}]');
  assert.match(tapJson(['x'.repeat(100_000)]), /^"\[100004 characters, cut\]/);
});

test('log levels: a component setting wins over ROOT, and expires by itself', async () => {
  const root = silentLogger().child({});
  root.level = 'info';
  let now = 1000;
  const levels = new LogLevels(root, () => now);
  const count = root.child({ component: 'count' });
  const split = root.child({ component: 'split' });
  levels.register('count', count);
  levels.register('split', split);
  levels.apply({ ROOT: { level: 'warn' }, count: { level: 'debug', expiresAtMs: 1050 } });
  assert.deepEqual([root.level, count.level, split.level], ['warn', 'debug', 'warn']);
  now = 1100;
  await new Promise((r) => setTimeout(r, 120));
  assert.deepEqual([root.level, count.level, split.level], ['warn', 'warn', 'warn']);
  levels.apply({});
  assert.deepEqual([root.level, count.level, split.level], ['info', 'info', 'info']);
  levels.close();
});

test('the reader is told when the buffer stops being empty and again when a batch is ready, not per tuple', async () => {
  const hub = new TapHub(silentLogger());
  let told = 0;
  const sub = hub.add({ samplePct: 100 }, () => told++);
  // One synchronous burst (a scheduler pass): one call, after it, with everything buffered.
  for (let i = 0; i < 100; i++) hub.offer('count', 1, 'default', WORD, ['w', i], undefined);
  assert.equal(told, 0, 'never inside the emitting pass');
  await tick();
  assert.equal(told, 1);
  // The reader waits for more (a trickle goes out on its timer); reaching a batch tells it again.
  for (let i = 100; i < TAP_BATCH_READY - 1; i++) hub.offer('count', 1, 'default', WORD, ['w', i], undefined);
  await tick();
  assert.equal(told, 1, 'nothing between the first tuple and a full batch');
  hub.offer('count', 1, 'default', WORD, ['w', 'last'], undefined);
  await tick();
  assert.equal(told, 2, 'a full batch is announced');
  assert.equal(sub.take(10_000).length, TAP_BATCH_READY);
  hub.offer('count', 1, 'default', WORD, ['w', 'again'], undefined);
  await tick();
  assert.equal(told, 3, 'empty again, so the next tuple is announced');
});
