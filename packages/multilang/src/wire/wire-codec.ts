/** Wire format of a child: Storm's JSON framing, or pystorm's msgpack mode. */
export type Serializer = 'json' | 'msgpack';

/** One message read from a child. */
export interface DecodedMessage {
  /** The decoded value: an object for every legal child message. */
  readonly body: unknown;
  /**
   * JSON mode only: the exact source text of the top-level `id` of an `emit`. A spout's message id must come back
   * unchanged in `ack`/`fail`, and a JavaScript number cannot hold integers above 2^53, so the text is echoed rather
   * than the parsed value.
   */
  readonly rawId?: string;
}

/** A spout message id as the child sent it, ready to be echoed in `ack`/`fail`. */
export interface EchoableId {
  /** JSON source text (JSON mode). */
  readonly json?: string;
  /** Decoded value (msgpack mode: a bigint for 64-bit integers). */
  readonly value: unknown;
}

/** Bytes or text to write to a child's stdin. */
export type Frame = string | Uint8Array;

/**
 * Encodes what the host writes and decodes what the child writes, in one serializer. Stateful on the read side (it
 * keeps partial messages between chunks), so use one instance per child process.
 */
export interface WireCodec {
  readonly serializer: Serializer;
  /**
   * Decodes the complete messages a chunk of the child's stdout finishes, keeping any partial one for later.
   * @throws ProtocolViolationError on data that is not valid in this serializer (the child must be restarted: the
   * stream cannot be resynchronised)
   */
  feed(chunk: Buffer): DecodedMessage[];
  /** Any message object (handshake, spout commands without ids). */
  encode(message: Record<string, unknown>): Frame;
  /** The reply to an emit that needs task ids: a bare array. */
  encodeTaskIds(ids: readonly number[]): Frame;
  /** A bolt input: `{"id","comp","stream","task","tuple"}`; `comp` is null for heartbeats. */
  encodeTuple(id: string, comp: string | null, stream: string, task: number, values: readonly unknown[]): Frame;
  /** A spout `ack`/`fail` echoing the id exactly as the child emitted it. */
  encodeSpoutCommand(command: 'ack' | 'fail', id: EchoableId): Frame;
}

/** Largest message accepted from a child before it is declared broken (a missing `end` line would grow forever). */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
