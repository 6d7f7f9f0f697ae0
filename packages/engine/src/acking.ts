// Every message to an acker carries one or more flat quads `[spoutTask, seq, xorHi, xorLo]*`, and every message from
// an acker to a spout task one or more sequence numbers `[seq*]`: senders batch them (see AckBatcher).

/** Stream: spout → acker, new tuple trees `[spoutTask, seq, xorHi, xorLo]*`. */
export const ACK_INIT_STREAM = '__ack_init';
/** Stream: bolt → acker `[spoutTask, seq, xorHi, xorLo]*`; acker → spout `[seq*]` when the trees complete. */
export const ACK_ACK_STREAM = '__ack_ack';
/** Stream: bolt → acker `[spoutTask, seq, 0, 0]*`; acker → spout `[seq*]` when the trees failed. */
export const ACK_FAIL_STREAM = '__ack_fail';
/** Stream: bolt → acker → spout, restarting trees' timeouts (quads, then sequence numbers, as above). */
export const ACK_RESET_TIMEOUT_STREAM = '__ack_reset_timeout';

/**
 * A random 32-bit half of a 64-bit edge id. Edge ids are random (Storm's XOR scheme relies on it: a tree completes
 * when the XOR of all its edge ids returns to 0, wrongly only with probability 2^-64). Root ids need no
 * randomness, only uniqueness, so they are (spout task, sequence number): small integers that key maps quickly.
 */
export function randomHalf(): number {
  return (Math.random() * 4294967296) | 0;
}

/** The acker task responsible for a tree: every message about it goes there. */
export function ackerFor(ackerTasks: readonly number[], spoutTask: number, seq: number): number {
  return ackerTasks[ackerIndex(ackerTasks.length, spoutTask, seq)]!;
}

/** Index in the acker task list of the acker responsible for a tree (see {@link ackerFor}). */
export function ackerIndex(ackers: number, spoutTask: number, seq: number): number {
  return ackers === 1 ? 0 : ((Math.imul(spoutTask, 0x9e3779b1) + seq) >>> 0) % ackers;
}

/**
 * XORs edge `(hi, lo)` into root `(spoutTask, seq)` of a flat anchor list, adding the root if absent.
 */
export function xorInto(anchors: number[], spoutTask: number, seq: number, hi: number, lo: number): void {
  for (let i = 0; i < anchors.length; i += 4) {
    if (anchors[i] === spoutTask && anchors[i + 1] === seq) {
      anchors[i + 2] = anchors[i + 2]! ^ hi;
      anchors[i + 3] = anchors[i + 3]! ^ lo;
      return;
    }
  }
  anchors.push(spoutTask, seq, hi, lo);
}

/**
 * Most quads (or sequence numbers) one batched acker message carries: bounds the message (about 14 bytes a quad on
 * the wire) and how long a completion can wait behind a full buffer.
 */
export const ACK_BATCH_LIMIT = 1024;

/**
 * Collects acker messages of one task per acker task and sends each acker one message per flush: its values are the
 * flat quads `[spoutTask, seq, xorHi, xorLo]*` (init and ack streams). A message per tuple cost a tuple object, an
 * array, a queue slot (or a wire tuple) and a dispatch in the acker; batched, these are paid once per flush.
 * An ack for the same root as the previous one is XORed into it (the acker's result is the same: XOR commutes).
 */
export class AckBatcher {
  /** Per acker index: pending flat quads. */
  private readonly bufs: number[][];
  /** Acker indexes whose buffer is non-empty, in first-use order. */
  private readonly dirty: number[] = [];
  /** Whether anything is buffered. */
  pending = false;

  constructor(
    private readonly ackers: readonly number[],
    /** Sends one batch to an acker task; the array is handed over (not reused). */
    private readonly send: (ackerTask: number, quads: number[]) => void,
  ) {
    this.bufs = ackers.map(() => []);
  }

  /** Buffers one quad for the acker of root `(spoutTask, seq)`. */
  add(spoutTask: number, seq: number, hi: number, lo: number): void {
    const ackers = this.ackers;
    const idx = ackerIndex(ackers.length, spoutTask, seq);
    const buf = this.bufs[idx]!;
    const n = buf.length;
    if (n === 0) {
      this.dirty.push(idx);
      this.pending = true;
    } else if (buf[n - 3] === seq && buf[n - 4] === spoutTask) {
      buf[n - 2] = buf[n - 2]! ^ hi;
      buf[n - 1] = buf[n - 1]! ^ lo;
      return;
    }
    buf.push(spoutTask, seq, hi, lo);
    if (buf.length >= ACK_BATCH_LIMIT * 4) {
      this.bufs[idx] = [];
      this.dirty.splice(this.dirty.indexOf(idx), 1);
      this.pending = this.dirty.length > 0;
      this.send(ackers[idx]!, buf);
    }
  }

  /** Sends every non-empty buffer. */
  flush(): void {
    if (!this.pending) return;
    const dirty = this.dirty;
    for (let i = 0; i < dirty.length; i++) {
      const idx = dirty[i]!;
      const buf = this.bufs[idx]!;
      this.bufs[idx] = [];
      this.send(this.ackers[idx]!, buf);
    }
    dirty.length = 0;
    this.pending = false;
  }
}

/**
 * The tuple trees of spout tasks running in the acker's own worker. Such a spout keeps each tree's XOR in its
 * pending record (the init is folded into the emit: no init message, no second map in the acker) and the acker
 * applies acks to it directly, completing the tree without a message back (Storm places an acker in every worker).
 */
export interface LocalTrees {
  /**
   * XORs an ack into tree `(task, seq)` and completes it when the XOR returns to 0; true then. Unknown trees (timed
   * out, failed) are ignored.
   */
  ackTree(task: number, seq: number, hi: number, lo: number): boolean;
  /** Fails tree `(task, seq)` if still pending; true then. */
  failTree(task: number, seq: number): boolean;
  /** Restarts the timeout of tree `(task, seq)` if still pending; true then. */
  resetTree(task: number, seq: number): boolean;
}
