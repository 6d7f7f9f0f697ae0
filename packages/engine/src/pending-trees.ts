/**
 * Largest ring a task keeps; a wider window of pending sequence numbers sends the oldest to the overflow map. 2^21
 * slots (16 MB at most, grown on demand): a topology with stateful bolts keeps a checkpoint interval's trees pending
 * (acks are held until the commit), over a million at full speed, and a Map of that size spent most of the spout's time.
 */
const MAX_RING = 1 << 21;

/**
 * A spout task's pending tuple trees by sequence number. Sequence numbers are handed out in order and most trees
 * complete in about that order, so the live ones form a sliding window: they sit in a ring indexed by `seq & mask`
 * (no hashing, no allocation, no rehash churn: a Map with a million set/delete pairs a second spent most of the
 * spout's time rehashing). Entries that fall out of the window (stragglers older than {@link MAX_RING} newer trees),
 * entries whose timeout was reset, and entries added after the sequence wrapped go to an overflow Map instead.
 *
 * Timeout order: the ring is in start order (entries never move inside it); the overflow map is scanned whole.
 */
export class PendingTrees<T extends { startMs: number }> {
  private slots: Array<T | undefined> = new Array<T | undefined>(64);
  private mask = 63;
  /** The ring holds sequence numbers in [base, end); `base` is always a live entry unless the ring is empty. */
  private base = 0;
  private end = 0;
  private inRing = 0;
  private readonly overflow = new Map<number, T>();

  get size(): number {
    return this.inRing + this.overflow.size;
  }

  get(seq: number): T | undefined {
    if (seq >= this.base && seq < this.end) {
      const v = this.slots[seq & this.mask];
      if (v !== undefined) return v;
    }
    return this.overflow.size > 0 ? this.overflow.get(seq) : undefined;
  }

  has(seq: number): boolean {
    return this.get(seq) !== undefined;
  }

  /** Adds a tree; `seq` is normally above every sequence number added before (else it goes to the overflow). */
  add(seq: number, v: T): void {
    if (this.inRing === 0) {
      this.base = seq;
      this.end = seq;
    }
    if (seq < this.end) {
      this.overflow.set(seq, v);
      return;
    }
    while (seq - this.base >= this.slots.length) {
      if (this.inRing === 0) {
        this.base = seq;
        break;
      }
      if (this.slots.length < MAX_RING) this.grow();
      else this.evictOldest();
    }
    this.slots[seq & this.mask] = v;
    this.end = seq + 1;
    this.inRing++;
  }

  /** Removes and returns a tree (undefined when absent). */
  delete(seq: number): T | undefined {
    if (seq >= this.base && seq < this.end) {
      const i = seq & this.mask;
      const v = this.slots[i];
      if (v !== undefined) {
        this.slots[i] = undefined;
        this.inRing--;
        if (this.inRing === 0) this.base = this.end;
        else if (seq === this.base) this.advanceBase();
        return v;
      }
    }
    if (this.overflow.size === 0) return undefined;
    const v = this.overflow.get(seq);
    if (v !== undefined) this.overflow.delete(seq);
    return v;
  }

  /** Moves a tree to the end of the timeout order (its timeout was reset: the ring's start order no longer holds). */
  touch(seq: number): void {
    const v = this.delete(seq);
    if (v !== undefined) this.overflow.set(seq, v);
  }

  /**
   * Removes every tree started `timeoutMs` or more before `now`, oldest first, calling `onExpired` for each.
   * @returns how many expired
   */
  expire(now: number, timeoutMs: number, onExpired: (seq: number, v: T) => void): number {
    let n = 0;
    if (this.overflow.size > 0) {
      const expired: number[] = [];
      for (const [seq, v] of this.overflow) if (now - v.startMs >= timeoutMs) expired.push(seq);
      for (const seq of expired) {
        const v = this.overflow.get(seq)!;
        this.overflow.delete(seq);
        onExpired(seq, v);
        n++;
      }
    }
    while (this.inRing > 0) {
      const seq = this.base;
      const v = this.slots[seq & this.mask]!;
      if (now - v.startMs < timeoutMs) break;
      this.delete(seq);
      onExpired(seq, v);
      n++;
    }
    return n;
  }

  private advanceBase(): void {
    let b = this.base + 1;
    while (this.slots[b & this.mask] === undefined) b++;
    this.base = b;
  }

  private grow(): void {
    const n = this.slots.length * 2;
    const slots = new Array<T | undefined>(n);
    for (let s = this.base; s < this.end; s++) {
      const v = this.slots[s & this.mask];
      if (v !== undefined) slots[s & (n - 1)] = v;
    }
    this.slots = slots;
    this.mask = n - 1;
  }

  private evictOldest(): void {
    const seq = this.base;
    const v = this.slots[seq & this.mask]!;
    this.slots[seq & this.mask] = undefined;
    this.overflow.set(seq, v);
    this.inRing--;
    if (this.inRing === 0) this.base = this.end;
    else this.advanceBase();
  }
}
