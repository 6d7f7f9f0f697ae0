import { FlowControlError } from './errors';

/**
 * Producer side of a Transfer stream's credit window (see `proto/squall/worker.proto`). Tracks tuples sent against the
 * consumer's latest cumulative `Credit.tuple_limit`; starts closed until the consumer's first credit arrives.
 */
export class SendWindow {
  private sent = 0;
  private limit = 0;

  /** Whether another batch may be sent now (any size: one batch may overshoot the limit). */
  get canSend(): boolean {
    return this.sent < this.limit;
  }

  /** Tuples that fit before the limit; 0 or negative when closed. */
  get available(): number {
    return this.limit - this.sent;
  }

  /** Total tuples sent on the stream. */
  get sentTuples(): number {
    return this.sent;
  }

  /** Records a batch of `count` tuples as sent. Throws FlowControlError when called while closed. */
  onSent(count: number): void {
    if (!this.canSend) throw new FlowControlError(`batch sent with no credit (sent ${this.sent}, limit ${this.limit})`);
    this.sent += count;
  }

  /**
   * Applies a `Credit` from the consumer; stale or repeated limits are ignored. Returns true when this opened a
   * closed window, the moment to resume sending (and asking spouts for tuples).
   */
  onCredit(tupleLimit: number): boolean {
    const wasClosed = !this.canSend;
    if (tupleLimit > this.limit) this.limit = tupleLimit;
    return wasClosed && this.canSend;
  }
}

/** Options of {@link ReceiveWindow}. */
export interface ReceiveWindowOptions {
  /** Tuples the producer may have in flight beyond those the consumer has taken; the receive buffer's size. */
  window: number;
  /**
   * Grant new credit only once this many tuples were taken since the last grant, so credits are batched rather than
   * sent per tuple.
   * @default half the window (at least 1)
   */
  grantThreshold?: number;
}

/**
 * Consumer side of a Transfer stream's credit window. Send {@link initialCredit} after accepting Hello; report batches
 * as they arrive and tuples as they leave the receive buffer (delivered to executor queues). A consumer that cannot
 * deliver simply stops taking tuples, so no credit is granted and the producer pauses: nothing is dropped.
 */
export class ReceiveWindow {
  private readonly window: number;
  private readonly threshold: number;
  private received = 0;
  private taken = 0;
  private granted: number;

  constructor(options: ReceiveWindowOptions) {
    if (!(options.window >= 1)) throw new RangeError(`window must be at least 1, got ${options.window}`);
    this.window = options.window;
    this.threshold = Math.max(1, Math.min(options.grantThreshold ?? Math.floor(options.window / 2), options.window));
    this.granted = options.window;
  }

  /** The first `Credit.tuple_limit`, sent right after accepting Hello. */
  get initialCredit(): number {
    return this.window;
  }

  /** Tuples received and not yet taken. Can exceed the window by less than one batch. */
  get buffered(): number {
    return this.received - this.taken;
  }

  /** Records an arriving batch. Throws FlowControlError when the producer had no credit for it. */
  onReceived(count: number): void {
    if (this.received >= this.granted) {
      throw new FlowControlError(
        `producer sent ${count} tuples with no credit (received ${this.received}, granted ${this.granted})`,
      );
    }
    this.received += count;
  }

  /**
   * Records `count` tuples leaving the receive buffer. Returns the new `Credit.tuple_limit` to send, or `undefined`
   * when too little was freed since the last grant to be worth a message.
   */
  onTaken(count: number): number | undefined {
    this.taken += count;
    const limit = this.taken + this.window;
    if (limit - this.granted < this.threshold) return undefined;
    this.granted = limit;
    return limit;
  }
}
