import { SquallError } from '@squall/core';

/** Base class of the errors this package raises on purpose: a `SquallError` with a stable `code`. */
export class ProtocolError extends SquallError {}

/**
 * Thrown when bytes given to `decodeBatch` are not a valid tuple batch: truncated, corrupt, of another codec version,
 * or claiming more data than they hold. The batch should be dropped and the connection treated as broken; tracked
 * tuples in it are replayed by their spouts.
 */
export class WireFormatError extends ProtocolError {
  /** Byte offset in the batch where decoding failed. */
  readonly offset: number;
  /** What was wrong at `offset`, without the offset. */
  readonly problem: string;
  constructor(offset: number, problem: string) {
    super('WIRE_FORMAT', `invalid tuple batch at byte ${offset}: ${problem}`);
    this.offset = offset;
    this.problem = problem;
  }
}

/**
 * Thrown when a tuple's encoding exceeds `topology.max.tuple.bytes`. The batch being built is unaffected: the tuple is
 * not added. Emit smaller values, or raise the limit for the topology.
 */
export class TupleTooLargeError extends ProtocolError {
  /** Stream the tuple was emitted on. */
  readonly stream: string;
  /**
   * Encoded size in bytes. When encoding stopped early at a single huge value this is a lower bound.
   */
  readonly size: number;
  /** The limit in force. */
  readonly limit: number;
  /** `sizeIsLowerBound` when encoding stopped before the end of the tuple. */
  constructor(stream: string, size: number, limit: number, sizeIsLowerBound = false) {
    super(
      'TUPLE_TOO_LARGE',
      `tuple on stream "${stream}" encodes to ${sizeIsLowerBound ? 'at least ' : ''}${size} bytes, over topology.max.tuple.bytes = ${limit}`,
    );
    this.stream = stream;
    this.size = size;
    this.limit = limit;
  }
}

/**
 * Thrown when a tuple cannot be encoded: a value of a type the wire format does not carry (function, symbol, Map,
 * class instance, typed array other than Uint8Array, ...), values nested too deeply (or cyclic), or malformed tuple
 * fields (task ids and anchors must be int32). The tuple is not added to the batch.
 */
export class UnsupportedValueError extends ProtocolError {
  /** Stream the tuple was emitted on. */
  readonly stream: string;
  /** Where in the tuple, e.g. `values[1].user.tags[0]` or `anchors[3]`. */
  readonly path: string;
  constructor(stream: string, path: string, problem: string) {
    super('UNSUPPORTED_TUPLE_VALUE', `cannot encode tuple on stream "${stream}": ${path} ${problem}`);
    this.stream = stream;
    this.path = path;
  }
}

/**
 * Thrown when a Transfer producer sends a batch with no credit left, breaking the flow-control contract. The consumer
 * should end the stream: the producer is buggy or hostile.
 */
export class FlowControlError extends ProtocolError {
  constructor(message: string) {
    super('FLOW_CONTROL', message);
  }
}

/**
 * Thrown when none of the nimbus addresses tried answered who leads (down, wrong address, or no leader elected yet).
 * Check the addresses (`nimbus.seeds`), that nimbus runs, and retry.
 */
export class NimbusUnreachableError extends ProtocolError {
  /** Every "host:port" tried, in order. */
  readonly tried: string[];
  /** The last failure, e.g. "No connection established". */
  readonly detail: string;
  /** @param hint what the user can check, in parentheses after the message (each program names its own settings) */
  constructor(tried: string[], detail: string, hint?: string) {
    super(
      'NIMBUS_UNREACHABLE',
      `cannot reach nimbus at ${tried.join(', ') || '(no address)'}: ${detail}${hint ? ` (${hint})` : ''}`,
    );
    this.tried = tried;
    this.detail = detail;
  }
}

/**
 * Thrown when the `squall.tls.*` settings are incomplete or name files that cannot be read. Fix the config key named
 * in the message.
 */
export class TlsConfigError extends ProtocolError {
  constructor(message: string) {
    super('TLS_CONFIG', message);
  }
}

/**
 * Thrown when a nimbus names a leader the client was not configured to trust (not among `nimbus.seeds` or the
 * address given) while the client holds a token and has no TLS to verify that leader's identity: the leader's
 * address comes from ZooKeeper, and whoever can write there could otherwise collect the token. Add the leader to
 * `nimbus.seeds`, or turn on TLS.
 */
export class UntrustedLeaderError extends ProtocolError {
  constructor(asked: string, leader: string) {
    super(
      'UNTRUSTED_LEADER',
      `nimbus at ${asked} says the leader is ${leader}, which is not in nimbus.seeds; not sending nimbus.auth.token to an address only ZooKeeper vouches for (add ${leader} to nimbus.seeds, or turn on TLS so its certificate is checked)`,
    );
  }
}
