import { TupleTooLargeError, UnsupportedValueError } from './errors';
import {
  DEFAULT_MAX_TUPLE_BYTES,
  MAX_VALUE_DEPTH,
  MAX_VARINT_INTEGER,
  TUPLE_BATCH_HEADER_BYTES,
  TUPLE_BATCH_MAGIC,
  TUPLE_CODEC_VERSION,
  ValueTag,
  type WireTuple,
} from '@squall/codec/tuple-codec';

/** Options of {@link BatchEncoder}. */
export interface BatchEncoderOptions {
  /**
   * Largest encoded tuple (`topology.max.tuple.bytes`); `add` refuses bigger ones with TupleTooLargeError.
   * @default DEFAULT_MAX_TUPLE_BYTES (8 MiB)
   */
  maxTupleBytes?: number;
  /**
   * Starting size of the reusable buffer; it doubles as needed and is kept between batches.
   * @default 64 KiB
   */
  initialCapacity?: number;
}

/** Whether this machine stores typed arrays little-endian, as the wire does (then an Int32Array is copied as bytes). */
const LITTLE_ENDIAN = new Uint8Array(new Int32Array([1]).buffer)[0] === 1;

// A buffer grown past this by one huge batch is dropped at finish(), so a single 8 MiB tuple does not pin 8 MiB per
// destination for the life of the worker.
const MAX_RETAINED_BYTES = 1024 * 1024;

// Thrown by grow() when one value alone breaks the limit; add() knows the stream to name.
class TooLarge {
  constructor(readonly size: number) {}
}

// Thrown inside the value walk and turned into UnsupportedValueError with the tuple's stream and the value's path.
class Unsupported {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {}
}

/**
 * Builds tuple batches in the compact wire format (see tuple-codec.ts), reusing one growable buffer so that, once
 * warm, adding a tuple allocates nothing. `add` tuples, then `finish()` to take the bytes; the encoder is then empty
 * and ready for the next batch. Output is deterministic: the same tuples in the same order give the same bytes.
 *
 * A tuple that cannot be encoded (TupleTooLargeError, UnsupportedValueError, RangeError for a batch of 2^32 tuples)
 * is not added and leaves the batch as it was.
 */
export class BatchEncoder {
  private readonly maxTupleBytes: number;
  private readonly initialCapacity: number;
  private buf: Buffer;
  private pos = TUPLE_BATCH_HEADER_BYTES;
  private tuples = 0;
  private tupleStart = 0;
  private readonly streamIds = new Map<string, number>();
  private readonly streamNames: string[] = [];
  // Nearly every tuple of a batch is on the stream of the previous one: skip the map lookup then.
  private lastStream: string | undefined;
  private lastStreamId = 0;

  constructor(options: BatchEncoderOptions = {}) {
    this.maxTupleBytes = options.maxTupleBytes ?? DEFAULT_MAX_TUPLE_BYTES;
    this.initialCapacity = Math.max(options.initialCapacity ?? 64 * 1024, 64);
    this.buf = Buffer.allocUnsafe(this.initialCapacity);
  }

  /** Tuples added since the last `finish()`. */
  get count(): number {
    return this.tuples;
  }

  /** Bytes the batch would have if finished now, header included. */
  get size(): number {
    return this.pos;
  }

  /** Appends a tuple. Throws (and adds nothing) when it cannot be encoded or exceeds `maxTupleBytes`. */
  add(tuple: WireTuple): void {
    if (this.tuples === 0xffffffff) throw new RangeError('a tuple batch holds at most 2^32-1 tuples');
    const start = this.pos;
    const streamsBefore = this.streamNames.length;
    this.tupleStart = start;
    try {
      this.writeTask(tuple.targetTask, 'targetTask');
      this.writeTask(tuple.sourceTask, 'sourceTask');
      this.writeStream(tuple.stream);
      this.writeAnchors(tuple.anchors);
      const values = tuple.values;
      if (!Array.isArray(values)) throw new Unsupported('values', 'is not an array');
      this.writeVarint(values.length);
      for (let i = 0; i < values.length; i++) this.writeValue(values[i], 0, i);
    } catch (error) {
      this.rollback(start, streamsBefore);
      if (error instanceof Unsupported)
        throw new UnsupportedValueError(String(tuple.stream), error.path, error.problem);
      if (error instanceof TooLarge) throw new TupleTooLargeError(tuple.stream, error.size, this.maxTupleBytes, true);
      throw error;
    }
    const size = this.pos - start;
    if (size > this.maxTupleBytes) {
      this.rollback(start, streamsBefore);
      throw new TupleTooLargeError(tuple.stream, size, this.maxTupleBytes);
    }
    this.tuples++;
  }

  /**
   * Returns the batch's bytes (a fresh Buffer, safe to keep or hand to gRPC) and empties the encoder. An empty batch
   * is valid and decodes to no tuples.
   */
  finish(): Buffer {
    const buf = this.buf;
    buf[0] = TUPLE_BATCH_MAGIC;
    buf[1] = TUPLE_CODEC_VERSION;
    buf.writeUInt32LE(this.tuples, 2);
    const out = Buffer.allocUnsafe(this.pos);
    buf.copy(out, 0, 0, this.pos);
    this.reset();
    return out;
  }

  /** Discards the tuples added since the last `finish()`. */
  reset(): void {
    this.pos = TUPLE_BATCH_HEADER_BYTES;
    this.tuples = 0;
    this.streamIds.clear();
    this.streamNames.length = 0;
    this.lastStream = undefined;
    if (this.buf.length > MAX_RETAINED_BYTES && this.buf.length > this.initialCapacity) {
      this.buf = Buffer.allocUnsafe(this.initialCapacity);
    }
  }

  private rollback(pos: number, streams: number): void {
    this.pos = pos;
    while (this.streamNames.length > streams) this.streamIds.delete(this.streamNames.pop() as string);
    this.lastStream = undefined;
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes > this.buf.length) this.grow(bytes);
  }

  private grow(bytes: number): void {
    const needed = this.pos + bytes;
    // Refuse before allocating for a value that alone breaks the limit (callers reserve at most a few bytes extra).
    if (needed - this.tupleStart > this.maxTupleBytes + 16) {
      throw new TooLarge(needed - this.tupleStart);
    }
    const next = Buffer.allocUnsafe(Math.max(needed, this.buf.length * 2));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private writeTask(task: number, field: string): void {
    if ((task | 0) !== task) throw new Unsupported(field, `must be an int32, got ${describe(task)}`);
    this.writeVarint32(((task << 1) ^ (task >> 31)) >>> 0);
  }

  private writeStream(stream: string): void {
    if (stream === this.lastStream) {
      this.writeVarint(this.lastStreamId);
      return;
    }
    if (typeof stream !== 'string') throw new Unsupported('stream', `must be a string, got ${describe(stream)}`);
    let id = this.streamIds.get(stream);
    if (id === undefined) {
      this.writeVarint32(0);
      this.writeString(stream);
      this.streamNames.push(stream);
      id = this.streamNames.length;
      this.streamIds.set(stream, id);
    } else {
      this.writeVarint(id);
    }
    this.lastStream = stream;
    this.lastStreamId = id;
  }

  private writeAnchors(anchors: number[] | null): void {
    if (anchors === null || anchors === undefined) {
      this.writeVarint32(0);
      return;
    }
    if (!Array.isArray(anchors) || anchors.length % 4 !== 0) {
      throw new Unsupported('anchors', 'must be null or an array of int32 quads [spoutTask, seq, edgeHi, edgeLo]*');
    }
    this.writeVarint(anchors.length / 4 + 1);
    for (let i = 0; i < anchors.length; i += 4) {
      for (let j = i; j < i + 4; j++) {
        const v = anchors[j] as number;
        if ((v | 0) !== v) throw new Unsupported(`anchors[${j}]`, `must be an int32, got ${describe(v)}`);
      }
      this.writeVarint32((((anchors[i] as number) << 1) ^ ((anchors[i] as number) >> 31)) >>> 0);
      this.writeVarint32((((anchors[i + 1] as number) << 1) ^ ((anchors[i + 1] as number) >> 31)) >>> 0);
      this.ensure(8);
      this.buf.writeInt32LE(anchors[i + 2] as number, this.pos);
      this.buf.writeInt32LE(anchors[i + 3] as number, this.pos + 4);
      this.pos += 8;
    }
  }

  // `key` is the index or property name under the parent, used only to build the path of an error.
  private writeValue(value: unknown, depth: number, key: string | number): void {
    try {
      this.writeValueUnchecked(value, depth);
    } catch (error) {
      if (error instanceof Unsupported) {
        const step =
          typeof key === 'number'
            ? `[${key}]`
            : /^[A-Za-z_$][\w$]*$/.test(key)
              ? `.${key}`
              : `[${JSON.stringify(key)}]`;
        throw new Unsupported(depth === 0 ? `values${step}${error.path}` : `${step}${error.path}`, error.problem);
      }
      throw error;
    }
  }

  private writeValueUnchecked(value: unknown, depth: number): void {
    switch (typeof value) {
      case 'string':
        this.writeTag(ValueTag.String);
        this.writeString(value);
        return;
      case 'number':
        this.writeNumber(value);
        return;
      case 'boolean':
        this.writeTag(value ? ValueTag.True : ValueTag.False);
        return;
      case 'undefined':
        this.writeTag(ValueTag.Undefined);
        return;
      case 'bigint':
        this.writeBigInt(value);
        return;
      case 'object':
        if (value === null) this.writeTag(ValueTag.Null);
        else this.writeObject(value, depth);
        return;
      default:
        throw new Unsupported('', `is a ${typeof value}, which tuples cannot carry`);
    }
  }

  private writeObject(value: object, depth: number): void {
    if (Array.isArray(value)) {
      this.checkDepth(depth);
      this.writeTag(ValueTag.Array);
      this.writeVarint(value.length);
      for (let i = 0; i < value.length; i++) this.writeValue(value[i], depth + 1, i);
    } else if (value instanceof Uint8Array) {
      this.writeTag(ValueTag.Bytes);
      this.writeVarint(value.length);
      this.ensure(value.length);
      this.buf.set(value, this.pos);
      this.pos += value.length;
    } else if (value instanceof Int32Array) {
      this.writeTag(ValueTag.Int32Array);
      this.writeVarint(value.length);
      const bytes = value.length * 4;
      this.ensure(bytes);
      if (LITTLE_ENDIAN) this.buf.set(new Uint8Array(value.buffer, value.byteOffset, bytes), this.pos);
      else for (let i = 0; i < value.length; i++) this.buf.writeInt32LE(value[i]!, this.pos + i * 4);
      this.pos += bytes;
    } else if (value instanceof Date) {
      this.writeTag(ValueTag.Date);
      this.writeFloat64(value.getTime());
    } else {
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        const name = (value.constructor as { name?: string } | undefined)?.name ?? 'object';
        throw new Unsupported(
          '',
          `is a ${name}; tuples carry only plain objects, arrays, Dates, Uint8Arrays and Int32Arrays`,
        );
      }
      this.checkDepth(depth);
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      this.writeTag(ValueTag.Object);
      this.writeVarint(keys.length);
      for (const key of keys) {
        this.writeString(key);
        this.writeValue(record[key], depth + 1, key);
      }
    }
  }

  private checkDepth(depth: number): void {
    if (depth >= MAX_VALUE_DEPTH)
      throw new Unsupported('', `nests deeper than ${MAX_VALUE_DEPTH} levels (is it cyclic?)`);
  }

  private writeNumber(value: number): void {
    if ((value | 0) === value && (value !== 0 || 1 / value > 0)) {
      this.writeTag(ValueTag.Int);
      this.writeVarint32(((value << 1) ^ (value >> 31)) >>> 0);
    } else if (
      Math.floor(value) === value &&
      value >= -MAX_VARINT_INTEGER &&
      value <= MAX_VARINT_INTEGER &&
      value !== 0
    ) {
      this.writeTag(ValueTag.Int);
      this.writeVarint(value < 0 ? -2 * value - 1 : 2 * value);
    } else {
      this.writeTag(ValueTag.Float64);
      this.writeFloat64(value);
    }
  }

  private writeBigInt(value: bigint): void {
    const negative = value < 0n;
    this.writeTag(negative ? ValueTag.BigIntNegative : ValueTag.BigIntPositive);
    if (value === 0n) {
      this.writeVarint32(0);
      return;
    }
    let hex = (negative ? -value : value).toString(16);
    if (hex.length % 2 === 1) hex = `0${hex}`;
    const length = hex.length / 2;
    this.writeVarint(length);
    this.ensure(length);
    this.buf.write(hex, this.pos, length, 'hex');
    this.pos += length;
  }

  private writeString(value: string): void {
    const n = value.length;
    // Most strings on the wire are short ASCII (stream names, words, keys): copy their char codes directly, which is
    // far cheaper than a call into the native UTF-8 encoder.
    if (n < 0x80) {
      this.ensure(n + 1);
      const buf = this.buf;
      const lengthAt = this.pos;
      let p = lengthAt + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
      if (i === n) {
        buf[lengthAt] = n;
        this.pos = p;
        return;
      }
    }
    const length = Buffer.byteLength(value, 'utf8');
    this.writeVarint(length);
    this.ensure(length);
    this.pos += this.buf.write(value, this.pos, length, 'utf8');
  }

  private writeTag(tag: ValueTag): void {
    this.ensure(1);
    this.buf[this.pos++] = tag;
  }

  private writeFloat64(value: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  // value is a uint32.
  private writeVarint32(value: number): void {
    this.ensure(5);
    const buf = this.buf;
    let p = this.pos;
    while (value > 0x7f) {
      buf[p++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    buf[p++] = value;
    this.pos = p;
  }

  // value is an integer in [0, 2^53).
  private writeVarint(value: number): void {
    if (value <= 0xffffffff) {
      this.writeVarint32(value);
      return;
    }
    this.ensure(8);
    const buf = this.buf;
    let p = this.pos;
    while (value > 0x7f) {
      buf[p++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    buf[p++] = value;
    this.pos = p;
  }
}

/**
 * Encodes `tuples` as one batch. A convenience over {@link BatchEncoder} for tests and one-off messages; hot paths
 * keep an encoder per destination to reuse its buffer.
 */
export function encodeBatch(tuples: readonly WireTuple[], options?: BatchEncoderOptions): Buffer {
  const encoder = new BatchEncoder(options);
  for (const tuple of tuples) encoder.add(tuple);
  return encoder.finish();
}

function describe(value: unknown): string {
  return typeof value === 'number' || typeof value === 'bigint' ? String(value) : typeof value;
}
