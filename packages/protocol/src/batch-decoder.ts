import { WireFormatError } from './errors';
import {
  MAX_VALUE_DEPTH,
  TUPLE_BATCH_HEADER_BYTES,
  TUPLE_BATCH_MAGIC,
  TUPLE_CODEC_VERSION,
  ValueTag,
  type WireTuple,
} from '@squall/codec/tuple-codec';

/** Whether this machine stores typed arrays little-endian, as the wire does (then an Int32Array is copied as bytes). */
const LITTLE_ENDIAN = new Uint8Array(new Int32Array([1]).buffer)[0] === 1;

// Fewest bytes a tuple can take (target, source, stream ref, anchors, value count): bounds the header's count.
const MIN_TUPLE_BYTES = 5;
// Fewest bytes of one anchor quad: two 1-byte varints and two int32s.
const MIN_ANCHOR_BYTES = 10;
// Strings up to this length are decoded by a JS loop when ASCII; above it the native decoder wins.
const SHORT_STRING = 24;

/**
 * Decodes a batch made by {@link BatchEncoder}. Safe on any input: returns tuples or throws {@link WireFormatError}
 * naming the offset and the problem, in time linear in the input; every length and count is checked against the bytes
 * that remain before anything is allocated for it, and nesting is limited to MAX_VALUE_DEPTH. Byte values are
 * copied, so the result does not pin `bytes`. Invalid UTF-8 decodes to U+FFFD rather than failing: the format carries
 * no checksum, so this is not where corruption is caught.
 */
export function decodeBatch(bytes: Uint8Array): WireTuple[] {
  return new BatchReader(bytes).readBatch();
}

class BatchReader {
  private readonly buf: Buffer;
  private pos = 0;
  private readonly end: number;
  private readonly streams: string[] = [];

  constructor(bytes: Uint8Array) {
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.end = bytes.length;
  }

  readBatch(): WireTuple[] {
    if (this.end < TUPLE_BATCH_HEADER_BYTES)
      this.fail(0, `${this.end} bytes is shorter than the ${TUPLE_BATCH_HEADER_BYTES}-byte header`);
    if (this.buf[0] !== TUPLE_BATCH_MAGIC) this.fail(0, `bad magic byte 0x${(this.buf[0] as number).toString(16)}`);
    if (this.buf[1] !== TUPLE_CODEC_VERSION)
      this.fail(1, `unsupported codec version ${this.buf[1]} (this side reads ${TUPLE_CODEC_VERSION})`);
    const count = this.buf.readUInt32LE(2);
    this.pos = TUPLE_BATCH_HEADER_BYTES;
    this.checkCount(2, count, MIN_TUPLE_BYTES, 'tuples');
    const tuples = new Array<WireTuple>(count);
    for (let i = 0; i < count; i++) tuples[i] = this.readTuple();
    if (this.pos !== this.end) this.fail(this.pos, `${this.end - this.pos} bytes after the last of ${count} tuples`);
    return tuples;
  }

  private readTuple(): WireTuple {
    const targetTask = this.readInt32Varint('target task');
    const sourceTask = this.readInt32Varint('source task');
    const stream = this.readStream();
    const anchors = this.readAnchors();
    const at = this.pos;
    const n = this.readVarint();
    this.checkCount(at, n, 1, 'values');
    const values = new Array<unknown>(n);
    for (let i = 0; i < n; i++) values[i] = this.readValue(0);
    return { targetTask, sourceTask, stream, anchors, values };
  }

  private readStream(): string {
    const at = this.pos;
    const ref = this.readVarint();
    if (ref === 0) {
      const name = this.readString();
      this.streams.push(name);
      return name;
    }
    const name = this.streams[ref - 1];
    if (name === undefined) this.fail(at, `stream reference ${ref} but only ${this.streams.length} streams defined`);
    return name;
  }

  private readAnchors(): number[] | null {
    const at = this.pos;
    const n = this.readVarint();
    if (n === 0) return null;
    const quads = n - 1;
    this.checkCount(at, quads, MIN_ANCHOR_BYTES, 'anchor quads');
    const anchors = new Array<number>(quads * 4);
    for (let i = 0; i < anchors.length; i += 4) {
      anchors[i] = this.readInt32Varint('anchor spout task');
      anchors[i + 1] = this.readInt32Varint('anchor sequence');
      this.need(8, 'anchor edge id');
      anchors[i + 2] = this.buf.readInt32LE(this.pos);
      anchors[i + 3] = this.buf.readInt32LE(this.pos + 4);
      this.pos += 8;
    }
    return anchors;
  }

  private readValue(depth: number): unknown {
    if (this.pos >= this.end) this.fail(this.pos, 'truncated: expected a value tag');
    const at = this.pos;
    const tag = this.buf[this.pos++] as number;
    switch (tag) {
      case ValueTag.String:
        return this.readString();
      case ValueTag.Int: {
        const z = this.readVarint();
        return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      }
      case ValueTag.Null:
        return null;
      case ValueTag.Undefined:
        return undefined;
      case ValueTag.False:
        return false;
      case ValueTag.True:
        return true;
      case ValueTag.Float64:
        return this.readFloat64();
      case ValueTag.BigIntPositive:
      case ValueTag.BigIntNegative: {
        const length = this.readLength('bigint');
        const magnitude = length === 0 ? 0n : BigInt(`0x${this.buf.toString('hex', this.pos, this.pos + length)}`);
        this.pos += length;
        return tag === ValueTag.BigIntNegative ? -magnitude : magnitude;
      }
      case ValueTag.Bytes: {
        const length = this.readLength('bytes');
        const copy = Buffer.allocUnsafe(length);
        this.buf.copy(copy, 0, this.pos, this.pos + length);
        this.pos += length;
        return copy;
      }
      case ValueTag.Array: {
        this.checkDepth(at, depth);
        const countAt = this.pos;
        const n = this.readVarint();
        this.checkCount(countAt, n, 1, 'array elements');
        const array = new Array<unknown>(n);
        for (let i = 0; i < n; i++) array[i] = this.readValue(depth + 1);
        return array;
      }
      case ValueTag.Object:
        this.checkDepth(at, depth);
        return this.readObject(depth);
      case ValueTag.Date:
        return new Date(this.readFloat64());
      case ValueTag.Int32Array: {
        const countAt = this.pos;
        const n = this.readVarint();
        this.checkCount(countAt, n, 4, 'int32 elements');
        const out = new Int32Array(n);
        if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(this.buf.subarray(this.pos, this.pos + n * 4));
        else for (let i = 0; i < n; i++) out[i] = this.buf.readInt32LE(this.pos + i * 4);
        this.pos += n * 4;
        return out;
      }
      default:
        return this.fail(at, `unknown value tag ${tag}`);
    }
  }

  private readObject(depth: number): Record<string, unknown> {
    const at = this.pos;
    const n = this.readVarint();
    // A key is at least its length byte, a value at least its tag.
    this.checkCount(at, n, 2, 'object entries');
    const object: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const key = this.readString();
      const value = this.readValue(depth + 1);
      // Plain assignment of "__proto__" would replace the prototype instead of adding a key.
      if (key === '__proto__')
        Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
      else object[key] = value;
    }
    return object;
  }

  private readString(): string {
    const length = this.readLength('string');
    const start = this.pos;
    const end = start + length;
    this.pos = end;
    if (length <= SHORT_STRING) {
      const buf = this.buf;
      let s = '';
      let i = start;
      for (; i < end; i++) {
        const c = buf[i] as number;
        if (c >= 0x80) break;
        s += String.fromCharCode(c);
      }
      if (i === end) return s;
    }
    return this.buf.toString('utf8', start, end);
  }

  private readFloat64(): number {
    this.need(8, 'float64');
    const value = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return value;
  }

  // A length prefix, checked against the bytes that follow it.
  private readLength(what: string): number {
    const at = this.pos;
    const length = this.readVarint();
    if (length > this.end - this.pos)
      this.fail(at, `${what} length ${length} exceeds the ${this.end - this.pos} bytes left`);
    return length;
  }

  private readInt32Varint(what: string): number {
    const at = this.pos;
    const z = this.readVarint();
    if (z > 0xffffffff) this.fail(at, `${what} ${z} is out of int32 range`);
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  // Unsigned LEB128 of at most 8 bytes (56 bits), refused above 2^53-1 where numbers stop being exact.
  private readVarint(): number {
    const buf = this.buf;
    const end = this.end;
    let p = this.pos;
    if (p >= end) this.fail(p, 'truncated varint');
    let b = buf[p++] as number;
    if (b < 0x80) {
      this.pos = p;
      return b;
    }
    let value = b & 0x7f;
    let scale = 0x80;
    for (let i = 1; ; i++) {
      if (p >= end) this.fail(this.pos, 'truncated varint');
      if (i === 8) this.fail(this.pos, 'varint longer than 8 bytes');
      b = buf[p++] as number;
      value += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 0x80;
    }
    if (value > Number.MAX_SAFE_INTEGER) this.fail(this.pos, `varint ${value} exceeds 2^53-1`);
    this.pos = p;
    return value;
  }

  private need(bytes: number, what: string): void {
    if (this.end - this.pos < bytes)
      this.fail(this.pos, `truncated ${what}: needs ${bytes} bytes, ${this.end - this.pos} left`);
  }

  // Refuses a count that the remaining bytes cannot hold, before an array of that size is allocated.
  private checkCount(at: number, count: number, minBytesEach: number, what: string): void {
    if (count * minBytesEach > this.end - this.pos) {
      this.fail(at, `${count} ${what} cannot fit in the ${this.end - this.pos} bytes left`);
    }
  }

  private checkDepth(at: number, depth: number): void {
    if (depth >= MAX_VALUE_DEPTH) this.fail(at, `values nest deeper than ${MAX_VALUE_DEPTH} levels`);
  }

  private fail(offset: number, problem: string): never {
    throw new WireFormatError(offset, problem);
  }
}
