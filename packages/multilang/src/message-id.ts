import type { EchoableId } from './wire';

/**
 * The message id the engine tracks for a shell spout's emit: the id exactly as the child sent it (JSON text, or the
 * decoded msgpack value), tagged with the child that emitted it. Acks and fails of ids emitted by a child that has
 * since died are dropped instead of confusing its replacement, which never emitted them.
 */
export class ShellMessageId implements EchoableId {
  constructor(
    /** Which child (1 for the first, +1 per restart) emitted it. */
    readonly generation: number,
    /** The decoded id. In JSON mode numbers above 2^53 are approximate here; {@link json} is exact. */
    readonly value: unknown,
    /** JSON mode: the id's exact source text, echoed byte for byte. */
    readonly json?: string,
  ) {}

  toString(): string {
    return this.json ?? (typeof this.value === 'string' ? this.value : String(this.value));
  }

  toJSON(): unknown {
    return typeof this.value === 'bigint' ? this.value.toString() : this.value;
  }
}
