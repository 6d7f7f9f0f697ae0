/**
 * A growable list of ack quads (spout task, seq, xor hi, xor lo; all 32-bit integers) in an Int32Array: a stateful bolt
 * holds a checkpoint interval's acks, a million quads a second at full speed, and in a plain array they were a large
 * share of the bolt's time and of what the garbage collector traced.
 */
export class QuadBuffer {
  private buf = new Int32Array(1024);
  /** Number of integers held (4 per quad). */
  length = 0;

  push(spoutTask: number, seq: number, hi: number, lo: number): void {
    if (this.length + 4 > this.buf.length) this.grow(this.length + 4);
    const b = this.buf;
    const n = this.length;
    b[n] = spoutTask;
    b[n + 1] = seq;
    b[n + 2] = hi;
    b[n + 3] = lo;
    this.length = n + 4;
  }

  /** Appends every quad of `other`. */
  append(other: QuadBuffer): void {
    if (other.length === 0) return;
    if (this.length + other.length > this.buf.length) this.grow(this.length + other.length);
    this.buf.set(other.view(), this.length);
    this.length += other.length;
  }

  /** The quads held, as a view (valid until the next change). */
  view(): Int32Array {
    return this.buf.subarray(0, this.length);
  }

  clear(): void {
    this.length = 0;
  }

  private grow(need: number): void {
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Int32Array(size);
    next.set(this.view());
    this.buf = next;
  }
}
