import { MAX_VALUE_DEPTH, MAX_VARINT_INTEGER } from './tuple-codec';

/**
 * Bytes a tuple's values would take in the wire encoding (tuple-codec.ts), computed without encoding, so the engine
 * can enforce `topology.max.tuple.bytes` at every emit, local deliveries included. With `exact` false (the default)
 * strings and numbers are sized by upper bounds (3 bytes per UTF-16 unit, 9 bytes per number) that cost no UTF-8 scan:
 * use that first, and only when it exceeds the limit ask for the exact figure. Values the codec refuses (functions, Maps, ...) count one byte here;
 * the encoder reports them when they cross workers. Nesting deeper than {@link MAX_VALUE_DEPTH} (or a cycle) stops
 * the walk.
 */
export function encodedValuesBytes(values: readonly unknown[], exact = false): number {
  let n = varintBytes(values.length);
  for (let i = 0; i < values.length; i++) n += valueBytes(values[i], 0, exact);
  return n;
}

/** Bytes of the header of a tuple on `stream` before its values: tasks, stream name, one anchor quad. */
export function tupleHeaderBytes(stream: string): number {
  return 5 + 5 + 1 + varintBytes(stream.length) + stream.length * 3 + 1 + 18;
}

function varintBytes(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function stringBytes(s: string, exact: boolean): number {
  if (!exact) return 5 + s.length * 3;
  const len = Buffer.byteLength(s, 'utf8');
  return varintBytes(len) + len;
}

function valueBytes(v: unknown, depth: number, exact: boolean): number {
  switch (typeof v) {
    case 'string':
      return 1 + stringBytes(v, exact);
    case 'number':
      // A tag and at most 8 varint bytes or a float64: 9 is a bound for every number.
      if (!exact) return 9;
      return Number.isInteger(v) && Math.abs(v) <= MAX_VARINT_INTEGER && !Object.is(v, -0)
        ? 1 + varintBytes(Math.abs(v) * 2)
        : 9;
    case 'boolean':
    case 'undefined':
      return 1;
    case 'bigint': {
      const hex = (v < 0n ? -v : v).toString(16);
      const len = v === 0n ? 0 : Math.ceil(hex.length / 2);
      return 1 + varintBytes(len) + len;
    }
    case 'object': {
      if (v === null) return 1;
      if (depth >= MAX_VALUE_DEPTH) return 1;
      if (v instanceof Uint8Array) return 1 + varintBytes(v.byteLength) + v.byteLength;
      if (v instanceof Int32Array) return 1 + varintBytes(v.length) + v.byteLength;
      if (v instanceof Date) return 9;
      if (Array.isArray(v)) {
        let n = 1 + varintBytes(v.length);
        for (let i = 0; i < v.length; i++) n += valueBytes(v[i], depth + 1, exact);
        return n;
      }
      const keys = Object.keys(v);
      let n = 1 + varintBytes(keys.length);
      for (const k of keys)
        n += stringBytes(k, exact) + valueBytes((v as Record<string, unknown>)[k], depth + 1, exact);
      return n;
    }
    default:
      return 1;
  }
}
