import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BatchEncoder,
  decodeBatch,
  encodeBatch,
  MAX_VALUE_DEPTH,
  TupleTooLargeError,
  UnsupportedValueError,
  WireFormatError,
  type WireTuple,
} from '../src/index';

const tuple = (values: unknown[], extra: Partial<WireTuple> = {}): WireTuple => ({
  targetTask: 1,
  sourceTask: 2,
  stream: 'default',
  anchors: null,
  values,
  ...extra,
});

const roundTrip = (tuples: WireTuple[]): WireTuple[] => decodeBatch(encodeBatch(tuples));
const roundTripValue = (value: unknown): unknown => (roundTrip([tuple([value])])[0] as WireTuple).values[0];

describe('tuple codec round trip', () => {
  it('keeps every scalar type', () => {
    const values = [
      null,
      undefined,
      true,
      false,
      0,
      1,
      -1,
      123,
      -64,
      2 ** 31,
      -(2 ** 31) - 1,
      1.5,
      -2.25,
      'word',
      10n,
      -10n,
      0n,
    ];
    assert.deepEqual(roundTrip([tuple(values)])[0]?.values, values);
  });

  it('keeps -0, NaN, infinities and integers beyond the varint range', () => {
    for (const n of [
      -0,
      NaN,
      Infinity,
      -Infinity,
      2 ** 52 - 1,
      -(2 ** 52 - 1),
      2 ** 52,
      2 ** 53,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
      1e300,
    ]) {
      assert.ok(Object.is(roundTripValue(n), n), `number ${n}`);
    }
  });

  it('keeps strings: empty, unicode, astral, long, and lone surrogates as U+FFFD', () => {
    const strings = [
      '',
      'a',
      'héllo',
      '日本語',
      '😀 emoji',
      'x'.repeat(127),
      'y'.repeat(128),
      'é'.repeat(100_000),
      '\0\u0001',
    ];
    assert.deepEqual(roundTrip([tuple(strings)])[0]?.values, strings);
    assert.equal(roundTripValue('a\ud800b'), 'a\ufffdb');
  });

  it('keeps big bigints of both signs', () => {
    for (const n of [2n ** 64n, -(2n ** 64n) + 1n, 255n, 256n, -(10n ** 100n), 1n]) assert.equal(roundTripValue(n), n);
  });

  it('decodes bytes as a Buffer copy', () => {
    const bytes = new Uint8Array([0, 1, 255]);
    const decoded = roundTripValue(bytes);
    assert.ok(Buffer.isBuffer(decoded));
    assert.deepEqual([...decoded], [0, 1, 255]);
    assert.deepEqual(roundTripValue(Buffer.alloc(0)), Buffer.alloc(0));
  });

  it('decodes an Int32Array as an Int32Array, views of a larger buffer included', () => {
    const ints = Int32Array.from([0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 123456789]);
    const decoded = roundTripValue(ints);
    assert.ok(decoded instanceof Int32Array);
    assert.deepEqual([...decoded], [...ints]);
    const view = ints.subarray(2, 5);
    assert.deepEqual([...(roundTripValue(view) as Int32Array)], [-1, 2 ** 31 - 1, -(2 ** 31)]);
    assert.deepEqual(roundTripValue(new Int32Array(0)), new Int32Array(0));
    // Nested, and beside other values.
    const [t] = roundTrip([tuple(['a', { q: Int32Array.from([7, -7]) }, Int32Array.from([5])])]);
    assert.deepEqual((t!.values[1] as { q: Int32Array }).q, Int32Array.from([7, -7]));
    assert.deepEqual(t!.values[2], Int32Array.from([5]));
  });

  it('keeps dates, including invalid ones', () => {
    const date = new Date(1_700_000_000_123);
    assert.deepEqual(roundTripValue(date), date);
    assert.ok(Number.isNaN((roundTripValue(new Date(NaN)) as Date).getTime()));
  });

  it('keeps nested arrays and objects, key order, undefined members and __proto__ keys', () => {
    const value = {
      b: [1, [2, [3, {}]], []],
      a: { '': 'empty key', 'with space': undefined },
      list: [undefined, null],
    };
    const decoded = roundTripValue(value) as Record<string, unknown>;
    assert.deepEqual(decoded, value);
    assert.deepEqual(Object.keys(decoded), ['b', 'a', 'list']);
    assert.ok('with space' in (decoded.a as object));

    const tricky = JSON.parse('{"__proto__": {"polluted": true}}') as object;
    const decodedTricky = roundTripValue(tricky) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(decodedTricky), Object.prototype);
    assert.deepEqual(Object.keys(decodedTricky), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('accepts objects without a prototype and turns array holes into undefined', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.x = 1;
    assert.deepEqual(roundTripValue(bare), { x: 1 });
    assert.deepEqual(roundTripValue([1, , 3]), [1, undefined, 3]);
  });

  it('keeps tuple fields: tasks (including -1), streams, anchors', () => {
    const tuples: WireTuple[] = [
      tuple(['a'], { targetTask: 0, sourceTask: -1, stream: '__tick' }),
      tuple(['b'], { targetTask: 2 ** 31 - 1, sourceTask: -(2 ** 31), stream: 'default', anchors: [] }),
      tuple(['c'], { stream: '__tick', anchors: [3, 42, -1, 2 ** 31 - 1, 4, 0, -(2 ** 31), 12345] }),
      tuple([], { stream: 'ünïcode stream', anchors: null }),
    ];
    assert.deepEqual(roundTrip(tuples), tuples);
  });

  it('round-trips big batches and empty batches', () => {
    const tuples = Array.from({ length: 20_000 }, (_, i) =>
      tuple([`w${i % 100}`, i, i / 7], { stream: `s${i % 3}`, targetTask: i % 50 }),
    );
    assert.deepEqual(roundTrip(tuples), tuples);
    assert.deepEqual(roundTrip([]), []);
  });

  it('interns stream names: a repeated stream costs one byte', () => {
    const one = encodeBatch([tuple([])]).length;
    const two = encodeBatch([tuple([]), tuple([])]).length;
    assert.equal(two - one, 5);
  });

  it('is deterministic and reusable across batches', () => {
    const encoder = new BatchEncoder({ initialCapacity: 64 });
    const tuples = [tuple(['x', { k: [1, 2n] }]), tuple(['y'], { stream: 'other' })];
    for (const t of tuples) encoder.add(t);
    assert.equal(encoder.count, 2);
    const first = encoder.finish();
    assert.equal(encoder.count, 0);
    for (const t of tuples) encoder.add(t);
    assert.equal(encoder.size, first.length);
    assert.deepEqual(encoder.finish(), first);
    assert.deepEqual(encodeBatch(tuples), first);
  });
});

describe('tuple codec refusals', () => {
  it('throws TupleTooLargeError naming the stream and leaves the batch intact', () => {
    const encoder = new BatchEncoder({ maxTupleBytes: 100 });
    encoder.add(tuple(['small']));
    const size = encoder.size;
    assert.throws(
      () => encoder.add(tuple(['x'.repeat(200)], { stream: 'big-stream' })),
      (e: unknown) =>
        e instanceof TupleTooLargeError && e.stream === 'big-stream' && e.size > 100 && /big-stream/.test(e.message),
    );
    assert.throws(() => encoder.add(tuple([Buffer.alloc(10_000_000)], { stream: 'huge' })), TupleTooLargeError);
    assert.equal(encoder.size, size);
    encoder.add(tuple(['after'], { stream: 'big-stream' }));
    assert.deepEqual(
      decodeBatch(encoder.finish()).map((t) => t.values[0]),
      ['small', 'after'],
    );
  });

  it('throws UnsupportedValueError with the path of the bad value and forgets streams the tuple introduced', () => {
    class Point {}
    const cases: [unknown, RegExp][] = [
      [() => 1, /values\[0\] is a function/],
      [Symbol('s'), /values\[0\] is a symbol/],
      [new Map(), /values\[0\] is a Map/],
      [{ a: [1, new Point()] }, /values\[0\]\.a\[1\] is a Point/],
      [{ 'odd key': new Float32Array(1) }, /values\[0\]\["odd key"\] is a Float32Array/],
    ];
    const encoder = new BatchEncoder();
    for (const [value, message] of cases) {
      assert.throws(
        () => encoder.add(tuple([value], { stream: 'new' })),
        (e: unknown) => e instanceof UnsupportedValueError && message.test(e.message),
      );
    }
    assert.equal(encoder.count, 0);
    encoder.add(tuple(['ok'], { stream: 'other' }));
    assert.deepEqual(decodeBatch(encoder.finish())[0]?.stream, 'other');
  });

  it('refuses cyclic and too deeply nested values', () => {
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    assert.throws(() => encodeBatch([tuple([cyclic])]), /deeper than/);
    let deep: unknown = 'leaf';
    for (let i = 0; i < MAX_VALUE_DEPTH; i++) deep = [deep];
    assert.deepEqual(roundTripValue(deep), deep);
    assert.throws(() => encodeBatch([tuple([[deep]])]), UnsupportedValueError);
  });

  it('refuses non-int32 task ids and malformed anchors', () => {
    assert.throws(() => encodeBatch([tuple([], { targetTask: 1.5 })]), /targetTask must be an int32/);
    assert.throws(() => encodeBatch([tuple([], { sourceTask: 2 ** 31 })]), /sourceTask/);
    assert.throws(() => encodeBatch([tuple([], { anchors: [1, 2, 3] })]), /quads/);
    assert.throws(() => encodeBatch([tuple([], { anchors: [1, 2, 3, 2 ** 32] })]), /anchors\[3\]/);
  });
});

describe('decodeBatch on bad input', () => {
  const valid = encodeBatch([tuple(['word', 123, { k: 'v' }])]);

  it('names the offset and the problem', () => {
    const check = (bytes: Uint8Array, pattern: RegExp): void => {
      assert.throws(
        () => decodeBatch(bytes),
        (e: unknown) => e instanceof WireFormatError && pattern.test(e.message) && e.offset >= 0,
      );
    };
    check(new Uint8Array(), /shorter than/);
    check(Buffer.from([0, 1, 0, 0, 0, 0]), /bad magic/);
    check(Buffer.from([0x53, 9, 0, 0, 0, 0]), /unsupported codec version 9/);
    check(Buffer.from([0x53, 1, 0xff, 0xff, 0xff, 0xff]), /cannot fit/);
    check(valid.subarray(0, valid.length - 1), /truncated|exceeds|cannot fit/);
    check(Buffer.concat([valid, Buffer.from([0])]), /1 bytes after the last of 1 tuples/);
    check(Buffer.from([0x53, 1, 1, 0, 0, 0, 2, 2, 5, 0, 0]), /stream reference 5/);
    check(Buffer.from([0x53, 1, 1, 0, 0, 0, 2, 2, 0, 0x7f, 0x61, 0, 0]), /string length 127 exceeds/);
    check(
      Buffer.from([0x53, 1, 1, 0, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0, 0, 0, 0]),
      /varint longer than 8 bytes/,
    );
    check(Buffer.from([0x53, 1, 1, 0, 0, 0, 2, 2, 0, 0, 0, 1, 99]), /unknown value tag 99/);
    // An Int32Array whose count the bytes left cannot hold is refused before it is allocated.
    check(
      Buffer.from([0x53, 1, 1, 0, 0, 0, 2, 2, 0, 0, 0, 1, 13, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3, 4]),
      /int32 elements cannot fit/,
    );
    check(
      Buffer.from([0x53, 1, 1, 0, 0, 0, 2, 2, 0, 0, 0, 1, 13, 2, 1, 2, 3, 4, 5, 6, 7]),
      /int32 elements cannot fit/,
    );
  });

  it('refuses nesting beyond the limit without recursing deeply', () => {
    const depth = 10_000;
    const body = Buffer.alloc(depth * 2 + 1);
    for (let i = 0; i < depth; i++) body.set([10, 1], i * 2);
    body[depth * 2] = 0;
    const bytes = Buffer.concat([Buffer.from([0x53, 1, 1, 0, 0, 0, 2, 2, 0, 0, 0, 1]), body]);
    assert.throws(() => decodeBatch(bytes), /nest deeper than 64/);
  });
});
