import { UnhashableValueError } from './errors';

// FNV-1a over UTF-16 code units, combined Java-List-style (h*31 + x). Only integer math via Math.imul, so every
// process, on every platform, computes the same task for the same key: the contract of fields grouping.
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function hashString(s: string, h: number): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

function hashBytes(b: Uint8Array, h: number): number {
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, FNV_PRIME);
  return h;
}

/**
 * Deterministic 32-bit hash of one value. Strings and integers are the fast path; other values are hashed by a
 * canonical form so equal data (e.g. `{a:1,b:2}` and `{b:2,a:1}`) hashes equal.
 * @throws UnhashableValueError for functions, symbols and cyclic structures
 */
export function hashValue(v: unknown, depth = 0): number {
  switch (typeof v) {
    case 'string':
      return hashString(v, FNV_OFFSET);
    case 'number':
      if (Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) return Math.imul(v | 0, 0x9e3779b1) ^ 0x5bd1e995;
      return hashString(Object.is(v, -0) ? '0' : String(v), 0x1234567);
    case 'boolean':
      return v ? 1231 : 1237;
    case 'bigint':
      return hashString(v.toString(), 0x2545f491);
    case 'undefined':
      return 0;
    case 'object': {
      if (v === null) return 0;
      if (depth > 32) throw new UnhashableValueError('value nested deeper than 32 levels (cyclic?)');
      if (v instanceof Uint8Array) return hashBytes(v, 0x3c6ef372);
      if (Array.isArray(v)) {
        let h = 1;
        for (const x of v) h = (Math.imul(h, 31) + hashValue(x, depth + 1)) | 0;
        return h;
      }
      if (v instanceof Date) return hashString(v.toISOString(), 0x6a09e667);
      const keys = Object.keys(v).sort();
      let h = 7;
      for (const k of keys)
        h =
          (Math.imul(h, 31) + (hashString(k, FNV_OFFSET) ^ hashValue((v as Record<string, unknown>)[k], depth + 1))) |
          0;
      return h;
    }
    default:
      throw new UnhashableValueError(typeof v);
  }
}

/** Hash of the values at `indices`, as Java's List.hashCode combines elements. */
export function hashSelected(values: readonly unknown[], indices: readonly number[]): number {
  if (indices.length === 1) return hashValue(values[indices[0]!]);
  let h = 1;
  for (const i of indices) h = (Math.imul(h, 31) + hashValue(values[i])) | 0;
  return h;
}

/**
 * Maps 32-bit hashes onto `n` buckets as `(hash >>> 0) % n` (the task index of fields grouping; the mapping is part of
 * the fields-grouping contract), in int32 arithmetic: without the float modulo `>>> 0` forces on hashes at or above
 * 2^31, which was a third of the routing cost of an emit. A power of two is a mask; otherwise `hash % n` is corrected for negative hashes by
 * `2^32 mod n`.
 */
export class Buckets {
  private readonly mask: number;
  private readonly wrap: number;
  constructor(readonly n: number) {
    this.mask = n > 0 && (n & (n - 1)) === 0 ? n - 1 : -1;
    this.wrap = n > 0 ? 2 ** 32 % n : 0;
  }

  of(hash: number): number {
    const h = hash | 0;
    if (this.mask >= 0) return h & this.mask;
    if (h >= 0) return h % this.n;
    // (h + 2^32) mod n, from h % n in (-n, 0] plus 2^32 mod n in [0, n).
    const r = (h % this.n) + this.wrap;
    return r < 0 ? r + this.n : r;
  }
}
