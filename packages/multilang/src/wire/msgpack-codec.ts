import { Decoder, Encoder } from '@msgpack/msgpack';
import { ProtocolViolationError } from '../errors';
import { msgpackObjectEnd } from './msgpack-scan';
import { MAX_MESSAGE_BYTES, type DecodedMessage, type EchoableId, type WireCodec } from './wire-codec';

const EMPTY = Buffer.alloc(0);

/**
 * Integers a JavaScript number holds exactly but that need the 64-bit msgpack formats. The encoder, in bigint mode,
 * would write such numbers as float64 (pystorm would then see a float), so they are turned into bigints first.
 */
function needs64(v: number): boolean {
  return Number.isInteger(v) && (v > 0xffffffff || v < -0x80000000) && Number.isSafeInteger(v);
}

/** `value` with every integer needing 64 bits as a bigint; the same object when nothing changes. */
function for64(value: unknown): unknown {
  if (typeof value === 'number') return needs64(value) ? BigInt(value) : value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = value[i] as unknown;
      const w = typeof v === 'number' || (typeof v === 'object' && v !== null) ? for64(v) : v;
      if (w !== v) (out ??= value.slice())[i] = w;
    }
    return out ?? value;
  }
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    let out: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(value)) {
      const w = for64(v);
      if (w !== v) (out ??= { ...(value as Record<string, unknown>) })[k] = w;
    }
    return out ?? value;
  }
  return value;
}

/** `value` with bigints that fit a number as numbers, so JavaScript components see ordinary numbers. */
function toNumbers(value: unknown): unknown {
  if (typeof value === 'bigint')
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v = value[i] as unknown;
      if (typeof v === 'bigint' || (typeof v === 'object' && v !== null)) value[i] = toNumbers(v);
    }
    return value;
  }
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
    const o = value as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = toNumbers(o[k]);
  }
  return value;
}

/**
 * pystorm's msgpack mode: the same message shapes as msgpack objects back to back, no `end` lines. 64-bit integers
 * decode as bigints: a spout message id keeps that exact value for its echo; tuple values that fit a number become
 * numbers. Numbers above 32 bits are written with the 64-bit integer formats, never as floats.
 */
export class MsgpackCodec implements WireCodec {
  readonly serializer = 'msgpack' as const;
  private readonly decoder = new Decoder({ useBigInt64: true });
  private readonly encoder = new Encoder({ useBigInt64: true, ignoreUndefined: false });
  private pending: Buffer = EMPTY;

  feed(chunk: Buffer): DecodedMessage[] {
    const buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: DecodedMessage[] = [];
    let pos = 0;
    while (pos < buf.length) {
      const end = msgpackObjectEnd(buf, pos);
      if (end < 0) break;
      let body: unknown;
      try {
        body = this.decoder.decode(buf.subarray(pos, end));
      } catch (err) {
        throw new ProtocolViolationError(`the child wrote invalid msgpack: ${(err as Error).message}`);
      }
      const b = body as Record<string, unknown> | null;
      if (b !== null && typeof b === 'object' && b.command === 'emit' && Array.isArray(b.tuple)) toNumbers(b.tuple);
      out.push({ body });
      pos = end;
    }
    this.pending = pos >= buf.length ? EMPTY : buf.subarray(pos);
    if (this.pending.length > MAX_MESSAGE_BYTES)
      throw new ProtocolViolationError(`a msgpack message longer than ${MAX_MESSAGE_BYTES} bytes`);
    return out;
  }

  private pack(value: unknown): Uint8Array {
    return this.encoder.encode(for64(value));
  }

  encode(message: Record<string, unknown>): Uint8Array {
    return this.pack(message);
  }

  encodeTaskIds(ids: readonly number[]): Uint8Array {
    return this.pack(ids);
  }

  encodeTuple(id: string, comp: string | null, stream: string, task: number, values: readonly unknown[]): Uint8Array {
    return this.pack({ id, comp, stream, task, tuple: values });
  }

  encodeSpoutCommand(command: 'ack' | 'fail', id: EchoableId): Uint8Array {
    return this.pack({ command, id: id.value });
  }
}
