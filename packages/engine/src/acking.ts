/** Stream: spout → acker, a new tuple tree `[spoutTask, seq, xorHi, xorLo]`. */
export const ACK_INIT_STREAM = '__ack_init';
/** Stream: bolt → acker `[spoutTask, seq, xorHi, xorLo]`; acker → spout `[seq]` when the tree completes. */
export const ACK_ACK_STREAM = '__ack_ack';
/** Stream: bolt → acker `[spoutTask, seq]`; acker → spout `[seq]` when the tree failed. */
export const ACK_FAIL_STREAM = '__ack_fail';
/** Stream: bolt → acker → spout, restarting a tree's timeout. */
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
  const h = (Math.imul(spoutTask, 0x9e3779b1) + seq) >>> 0;
  return ackerTasks[h % ackerTasks.length]!;
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
