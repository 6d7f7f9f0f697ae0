/**
 * Largest ring a task keeps by default; a wider window of pending sequence numbers sends the oldest to the overflow
 * map. 2^23 slots at 32 bytes each (256 MB at most, grown on demand by doubling): a topology with stateful bolts keeps
 * a checkpoint interval's trees pending (acks are held until the commit), several million at full speed, and trees in
 * the overflow map cost far more time and memory than ring slots. At 2^21 a local stateful count at 2.6M trees/s
 * spent 15% of its time evicting to the map; at 2^23 it ran at 3.8-4.2M with a lower peak RSS (README, "The
 * pending-tree ring's size, 2026-12-04").
 */
const MAX_RING = 1 << 23;

/** A tree kept in the overflow map (rare: stragglers, reset timeouts, sequence numbers after a wrap). */
interface OverflowTree {
  messageId: unknown;
  stream: string;
  startMs: number;
  hi: number;
  lo: number;
}

/**
 * A spout task's pending tuple trees by sequence number: message id, stream, start time and the XOR of the tree's
 * edge ids (kept here when the tree's acker runs in the same worker; else 0 and unused).
 *
 * Sequence numbers are handed out in order and most trees complete in about that order, so the live ones form a
 * sliding window: they sit in a ring indexed by `seq & mask` (no hashing, no rehash churn). The ring is a structure of
 * arrays (typed arrays for the numbers) rather than an array of records: with stateful bolts a million trees stay
 * pending for a checkpoint interval, and a million small records surviving into the old generation made the garbage
 * collector the spout's largest cost. Entries that fall out of the window (stragglers with more newer trees than the
 * ring's largest size), entries whose timeout was reset, and entries added after the sequence wrapped go to an
 * overflow Map.
 *
 * Timeout order: the ring is in start order (entries never move inside it); the overflow map is scanned whole.
 * {@link take} and a completing {@link xor} leave the removed tree's fields in `messageId`, `stream` and `startMs`
 * (read them before the next call), so removing a tree allocates nothing.
 */
export class PendingTrees {
  private ids: unknown[] = new Array<unknown>(64);
  /** A slot's stream; undefined marks an empty slot. */
  private streams: Array<string | undefined> = new Array<string | undefined>(64);
  private starts = new Float64Array(64);
  private his = new Int32Array(64);
  private los = new Int32Array(64);
  private mask = 63;
  /** The ring holds sequence numbers in [base, end); `base` is always a live entry unless the ring is empty. */
  private base = 0;
  private end = 0;
  private inRing = 0;
  private readonly overflow = new Map<number, OverflowTree>();

  /** @param maxRing the ring's largest size, a power of two (tests use small ones). @default {@link MAX_RING} */
  constructor(private readonly maxRing = MAX_RING) {
    if (!(maxRing >= 64 && (maxRing & (maxRing - 1)) === 0))
      throw new RangeError(`maxRing ${maxRing}: a power of two >= 64`);
  }

  /** The last removed tree's message id (see {@link take}). */
  messageId: unknown = undefined;
  /** The last removed tree's stream. */
  stream = '';
  /** The last removed tree's start time. */
  startMs = 0;

  get size(): number {
    return this.inRing + this.overflow.size;
  }

  /** Trees kept in the overflow map rather than the ring. */
  get overflowed(): number {
    return this.overflow.size;
  }

  private slot(seq: number): number {
    if (seq >= this.base && seq < this.end) {
      const i = seq & this.mask;
      if (this.streams[i] !== undefined) return i;
    }
    return -1;
  }

  has(seq: number): boolean {
    return this.slot(seq) >= 0 || (this.overflow.size > 0 && this.overflow.has(seq));
  }

  /** Adds a tree; `seq` is normally above every sequence number added before (else it goes to the overflow). */
  add(seq: number, messageId: unknown, stream: string, startMs: number, hi: number, lo: number): void {
    if (this.inRing === 0) {
      this.base = seq;
      this.end = seq;
    }
    if (seq < this.end) {
      this.overflow.set(seq, { messageId, stream, startMs, hi, lo });
      return;
    }
    while (seq - this.base >= this.ids.length) {
      if (this.inRing === 0) {
        this.base = seq;
        break;
      }
      if (this.ids.length < this.maxRing) this.grow();
      else this.evictOldest();
    }
    const i = seq & this.mask;
    this.ids[i] = messageId;
    this.streams[i] = stream;
    this.starts[i] = startMs;
    this.his[i] = hi;
    this.los[i] = lo;
    this.end = seq + 1;
    this.inRing++;
  }

  /**
   * XORs an ack into a tree. Returns -1 when the tree is absent, 0 when it is still incomplete, 1 when it completed:
   * it is then removed, its fields left as by {@link take}.
   */
  xor(seq: number, hi: number, lo: number): number {
    const i = this.slot(seq);
    if (i >= 0) {
      const h = (this.his[i] ^= hi);
      const l = (this.los[i] ^= lo);
      if (h !== 0 || l !== 0) return 0;
      this.removeSlot(seq, i);
      return 1;
    }
    const o = this.overflow.size > 0 ? this.overflow.get(seq) : undefined;
    if (o === undefined) return -1;
    o.hi ^= hi;
    o.lo ^= lo;
    if (o.hi !== 0 || o.lo !== 0) return 0;
    this.overflow.delete(seq);
    this.took(o);
    return 1;
  }

  /** Removes a tree, leaving its fields in `messageId`, `stream` and `startMs`; false when absent. */
  take(seq: number): boolean {
    const i = this.slot(seq);
    if (i >= 0) {
      this.removeSlot(seq, i);
      return true;
    }
    if (this.overflow.size === 0) return false;
    const o = this.overflow.get(seq);
    if (o === undefined) return false;
    this.overflow.delete(seq);
    this.took(o);
    return true;
  }

  /** Restarts a tree's timeout at `now`, moving it to the end of the timeout order; false when absent. */
  reset(seq: number, now: number): boolean {
    const i = this.slot(seq);
    if (i >= 0) {
      const hi = this.his[i]!;
      const lo = this.los[i]!;
      this.removeSlot(seq, i);
      this.overflow.set(seq, { messageId: this.messageId, stream: this.stream, startMs: now, hi, lo });
      this.messageId = undefined;
      return true;
    }
    const o = this.overflow.size > 0 ? this.overflow.get(seq) : undefined;
    if (o === undefined) return false;
    this.overflow.delete(seq);
    o.startMs = now;
    this.overflow.set(seq, o);
    return true;
  }

  /**
   * Removes every tree started `timeoutMs` or more before `now`, oldest first, calling `onExpired` with each one's
   * message id and stream (`onExpired` may add trees).
   * @returns how many expired
   */
  expire(now: number, timeoutMs: number, onExpired: (messageId: unknown, stream: string) => void): number {
    let n = 0;
    if (this.overflow.size > 0) {
      const expired: number[] = [];
      for (const [seq, o] of this.overflow) if (now - o.startMs >= timeoutMs) expired.push(seq);
      for (const seq of expired) {
        const o = this.overflow.get(seq)!;
        this.overflow.delete(seq);
        onExpired(o.messageId, o.stream);
        n++;
      }
    }
    while (this.inRing > 0) {
      const seq = this.base;
      const i = seq & this.mask;
      if (now - this.starts[i]! < timeoutMs) break;
      this.removeSlot(seq, i);
      const messageId = this.messageId;
      this.messageId = undefined;
      onExpired(messageId, this.stream);
      n++;
    }
    return n;
  }

  private took(o: OverflowTree): void {
    this.messageId = o.messageId;
    this.stream = o.stream;
    this.startMs = o.startMs;
  }

  private removeSlot(seq: number, i: number): void {
    this.messageId = this.ids[i];
    this.stream = this.streams[i]!;
    this.startMs = this.starts[i]!;
    this.ids[i] = undefined;
    this.streams[i] = undefined;
    this.inRing--;
    if (this.inRing === 0) this.base = this.end;
    else if (seq === this.base) this.advanceBase();
  }

  private advanceBase(): void {
    let b = this.base + 1;
    while (this.streams[b & this.mask] === undefined) b++;
    this.base = b;
  }

  private grow(): void {
    const n = this.ids.length * 2;
    const m = n - 1;
    const ids = new Array<unknown>(n);
    const streams = new Array<string | undefined>(n);
    const starts = new Float64Array(n);
    const his = new Int32Array(n);
    const los = new Int32Array(n);
    for (let s = this.base; s < this.end; s++) {
      const i = s & this.mask;
      if (this.streams[i] === undefined) continue;
      const j = s & m;
      ids[j] = this.ids[i];
      streams[j] = this.streams[i];
      starts[j] = this.starts[i]!;
      his[j] = this.his[i]!;
      los[j] = this.los[i]!;
    }
    this.ids = ids;
    this.streams = streams;
    this.starts = starts;
    this.his = his;
    this.los = los;
    this.mask = m;
  }

  private evictOldest(): void {
    const seq = this.base;
    const i = seq & this.mask;
    const hi = this.his[i]!;
    const lo = this.los[i]!;
    this.removeSlot(seq, i);
    this.overflow.set(seq, { messageId: this.messageId, stream: this.stream, startMs: this.startMs, hi, lo });
    this.messageId = undefined;
  }
}
