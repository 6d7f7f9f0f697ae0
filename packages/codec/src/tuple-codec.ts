/**
 * Squall's compact binary encoding of tuple batches, carried in `TupleBatch.payload` (protobuf per tuple costs too
 * much at a million tuples a second). Encoder in batch-encoder.ts, decoder in batch-decoder.ts.
 *
 * Layout, version 1 (`uv` = unsigned LEB128 varint, `zz` = zigzag varint, fixed-width numbers little-endian):
 * ```
 * batch     = magic:u8 (0x53 'S')  version:u8 (1)  count:u32  tuple*count
 * tuple     = target:zz  source:zz  stream  anchors  valueCount:uv  value*valueCount
 * stream    = uv 0, then len:uv utf8  (a stream name new to this batch, appended to the batch's table)
 *           | uv k > 0                (the k-th name of the table)
 * anchors   = uv 0                    (untracked: null)
 *           | uv n > 0, then (spoutTask:zz seq:zz edgeHi:i32 edgeLo:i32) * (n-1)
 * value     = tag:u8 payload, tags in {@link ValueTag}
 * ```
 * Interning stream names per batch makes the common case (every tuple on one stream) cost one byte, without a
 * header that would have to be written before the tuples are known.
 */

/**
 * A tuple as it crosses workers. Values may be: null, undefined, booleans, numbers (integers up to ±(2^52-1) as
 * varints, all else as float64 so -0, NaN and ±Infinity survive), strings, bigints, Uint8Array/Buffer (decoded as
 * Buffer), Int32Array (decoded as Int32Array), Dates, arrays, and plain objects with string keys, nested up to
 * {@link MAX_VALUE_DEPTH}.
 *
 * Round-trip notes: undefined stays undefined (also inside arrays and objects, unlike JSON); array holes become
 * undefined; object keys keep their enumeration order, symbol keys and prototypes are dropped; strings are UTF-8, so
 * a lone UTF-16 surrogate becomes U+FFFD.
 */
export interface WireTuple {
  /** Task that receives the tuple. int32. */
  targetTask: number;
  /** Task that emitted it (-1 for system tuples such as ticks). int32. */
  sourceTask: number;
  stream: string;
  /**
   * Acking information, flat int32 quads `[spoutTask, seq, edgeHi, edgeLo]*` (the root and 64-bit edge id of each
   * tuple tree it belongs to); `null` when the tuple is untracked.
   */
  anchors: number[] | null;
  values: unknown[];
}

/** Version of the batch layout above; producers send it in `Hello.codec_version`. */
export const TUPLE_CODEC_VERSION = 1;

/** First byte of every batch: catches a payload that is not a tuple batch at all. */
export const TUPLE_BATCH_MAGIC = 0x53;

/** Bytes before the first tuple: magic, version, u32 count. */
export const TUPLE_BATCH_HEADER_BYTES = 6;

/**
 * Default largest encoded tuple, as `topology.max.tuple.bytes` in @squall/core's config keys.
 * @default 8 MiB
 */
export const DEFAULT_MAX_TUPLE_BYTES = 8 * 1024 * 1024;

/** Deepest nesting of arrays and objects inside a value; deeper (or cyclic) values are refused by both sides. */
export const MAX_VALUE_DEPTH = 64;

/** Largest magnitude encoded as an integer; zigzag-doubled it still fits a JS number exactly. */
export const MAX_VARINT_INTEGER = 2 ** 52 - 1;

/** The type tag before each value. */
export const enum ValueTag {
  Null = 0,
  Undefined = 1,
  False = 2,
  True = 3,
  /** zz, |v| <= MAX_VARINT_INTEGER, never -0. */
  Int = 4,
  Float64 = 5,
  /** len:uv utf8 */
  String = 6,
  /** len:uv magnitude big-endian without leading zero bytes (0n has length 0). */
  BigIntPositive = 7,
  BigIntNegative = 8,
  /** len:uv raw */
  Bytes = 9,
  /** count:uv value* */
  Array = 10,
  /** count:uv (len:uv utf8 key, value)* */
  Object = 11,
  /** float64 epoch ms (NaN for an invalid Date). */
  Date = 12,
  /** count:uv i32*count (an Int32Array; the acking messages' quads and sequence numbers travel as one). */
  Int32Array = 13,
}
