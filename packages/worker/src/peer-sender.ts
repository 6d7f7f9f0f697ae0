import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '@squall/core';
import {
  BatchEncoder,
  SendWindow,
  TUPLE_CODEC_VERSION,
  createWorkerClient,
  pb,
  type TlsFiles,
  type WireTuple,
  type WorkerClient,
} from '@squall/protocol';
import { TRANSFER_BATCH_TARGET_BYTES, transferMessageLimit } from './transfer-service';

/** Options of {@link PeerSender}. */
export interface PeerSenderOptions {
  /** "host:port" of the receiving worker. */
  address: string;
  /** "host:port" of this worker. */
  self: string;
  topologyId: string;
  secret: string;
  /** Tuples per batch before it is sealed (`topology.transfer.buffer.size`). */
  batchSize: number;
  /** Buffered tuples beyond which this peer reports backpressure. */
  maxBuffered: number;
  maxTupleBytes: number;
  /** `squall.tls.*` of the cluster; plaintext when undefined. */
  tls?: TlsFiles | undefined;
  log: Logger;
  /** Called when sending may resume (credit arrived or the stream reconnected): wake the scheduler. */
  onWritable: () => void;
  /** Called with +1 when this peer starts applying backpressure, -1 when it stops. */
  onPressure: (delta: 1 | -1) => void;
}

interface SealedBatch {
  payload: Buffer;
  count: number;
}

/**
 * The sending half of one worker → worker Transfer stream. Tuples are encoded into the current batch, sealed at
 * `batchSize` tuples, at {@link TRANSFER_BATCH_TARGET_BYTES} encoded bytes (so no batch exceeds the receiver's
 * limit) or on flush, and written while the consumer's credit allows; otherwise they wait here, and once more
 * than `maxBuffered` wait the peer reports backpressure so spouts pause. A broken stream reconnects with backoff;
 * batches not yet written go on the new stream (batches lost in flight are replayed by acking).
 */
export class PeerSender {
  private readonly client: WorkerClient;
  private readonly encoder: BatchEncoder;
  private call: grpc.ClientDuplexStream<pb.ITransferMessage, pb.TransferMessage> | undefined;
  private window = new SendWindow();
  private readonly sealed: SealedBatch[] = [];
  private sealedTuples = 0;
  private seq = 0;
  /** When the first tuple of the current batch was added (performance.now()). */
  private batchStartMs = 0;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  /** Tuples written to the stream so far (all connections). */
  sentTuples = 0;
  private pressured = false;

  constructor(private readonly opts: PeerSenderOptions) {
    // Every stream proves the topology's secret for this address in its metadata; the secret itself is never sent.
    this.client = createWorkerClient(opts.address, {
      tls: opts.tls,
      topologyCredential: { topologyId: opts.topologyId, secret: opts.secret },
      maxMessageBytes: transferMessageLimit(opts.maxTupleBytes),
      channelOptions: { 'grpc.keepalive_time_ms': 10000 },
    });
    this.encoder = new BatchEncoder({ maxTupleBytes: opts.maxTupleBytes });
    this.connect();
  }

  /** Tuples waiting here (not yet written). */
  get buffered(): number {
    return this.sealedTuples + this.encoder.count;
  }

  get backpressured(): boolean {
    return this.pressured;
  }

  // Pressure is tracked on threshold crossings so the hot path (checked after every spout emit) is a counter read.
  private updatePressure(): void {
    const over = this.buffered > this.opts.maxBuffered;
    if (over !== this.pressured) {
      this.pressured = over;
      this.opts.onPressure(over ? 1 : -1);
    }
  }

  /** Adds a tuple to the current batch. @throws TupleTooLargeError (nothing is added) */
  add(tuple: WireTuple): void {
    if (this.encoder.count === 0) this.batchStartMs = performance.now();
    this.encoder.add(tuple);
    if (this.encoder.count >= this.opts.batchSize || this.encoder.size >= TRANSFER_BATCH_TARGET_BYTES) {
      this.seal();
      this.pump();
      this.updatePressure();
    }
  }

  /** Seals the current batch if its first tuple has waited `maxWaitMs` or more (0: always), and writes what credit allows. */
  flush(maxWaitMs = 0): void {
    if (this.encoder.count > 0 && (maxWaitMs <= 0 || performance.now() - this.batchStartMs >= maxWaitMs)) this.seal();
    this.pump();
  }

  private seal(): void {
    const count = this.encoder.count;
    if (count === 0) return;
    this.sealed.push({ payload: this.encoder.finish(), count });
    this.sealedTuples += count;
  }

  private pump(): void {
    const call = this.call;
    if (!call) return;
    while (this.sealed.length > 0 && this.window.canSend) {
      const b = this.sealed.shift()!;
      this.sealedTuples -= b.count;
      this.window.onSent(b.count);
      this.sentTuples += b.count;
      call.write({ batch: { seq: ++this.seq, count: b.count, payload: b.payload } });
    }
    if (this.pressured) this.updatePressure();
  }

  private connect(): void {
    if (this.closed) return;
    this.window = new SendWindow();
    this.seq = 0;
    const call = this.client.transfer();
    this.call = call;
    call.write({
      hello: {
        topologyId: this.opts.topologyId,
        fromWorker: this.opts.self,
        toWorker: this.opts.address,
        codecVersion: TUPLE_CODEC_VERSION,
      },
    });
    call.on('data', (m: pb.TransferMessage) => {
      if (!m.credit) return;
      this.failures = 0;
      if (this.window.onCredit(Number(m.credit.tupleLimit))) {
        this.pump();
        this.opts.onWritable();
      }
    });
    const broken = (why: string) => {
      if (this.call !== call) return;
      this.call = undefined;
      if (this.closed) return;
      this.failures++;
      const delay = Math.min(5000, 50 * 2 ** Math.min(this.failures, 7));
      this.opts.log.warn(
        { peer: this.opts.address, why },
        `transfer stream to ${this.opts.address} broken (${why}); reconnecting in ${delay} ms`,
      );
      this.retryTimer = setTimeout(() => this.connect(), delay);
    };
    call.on('error', (err: grpc.ServiceError) => broken(err.details || err.message));
    call.on('end', () => broken('ended by peer'));
  }

  /** Closes the stream and the channel; unsent tuples are dropped (acking replays tracked ones). */
  close(): void {
    this.closed = true;
    if (this.pressured) {
      this.pressured = false;
      this.opts.onPressure(-1);
    }
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.call?.end();
    this.call = undefined;
    this.client.close();
  }
}
