import * as grpc from '@grpc/grpc-js';
import type { Logger } from '@squall/core';
import type { WorkerRuntime } from '@squall/engine';
import {
  authInterceptor,
  decodeBatch,
  largestMessage,
  pb,
  ReceiveWindow,
  serverOptions,
  servicePolicies,
  TUPLE_BATCH_HEADER_BYTES,
  WorkerService,
  type MethodPolicy,
  type WorkerHandlers,
} from '@squall/protocol';
import type { WireConverter } from './wire';

/**
 * Encoded bytes at which a sender seals a batch even before it holds `topology.transfer.buffer.size` tuples. A batch
 * therefore never exceeds this plus one tuple (`topology.max.tuple.bytes`). 1 MiB is far above what the count bound
 * yields in practice (the cluster benchmark's 1000-tuple batches are tens of KiB), so it only bites on big tuples.
 */
export const TRANSFER_BATCH_TARGET_BYTES = 1024 * 1024;

/** Protobuf framing around a batch's payload in a TransferMessage (tags, lengths, seq, count), with room to spare. */
const TRANSFER_FRAMING_BYTES = 64;

/**
 * The largest TransferMessage a sender writes, hence the Worker server's receive limit: a sealed batch holds under
 * {@link TRANSFER_BATCH_TARGET_BYTES} of tuples plus the one that crossed it, each at most `maxTupleBytes`.
 */
export function transferMessageLimit(maxTupleBytes: number): number {
  return TRANSFER_BATCH_TARGET_BYTES + maxTupleBytes + TUPLE_BATCH_HEADER_BYTES + TRANSFER_FRAMING_BYTES;
}

/**
 * The Worker service's policies: Transfer needs a proof of the topology's secret in its metadata (checked before any
 * message is read) and takes messages up to {@link transferMessageLimit}; Ping is an open health check.
 */
export function workerPolicies(maxTupleBytes: number): Record<string, MethodPolicy> {
  return servicePolicies(WorkerService, {
    transfer: { credential: 'topology', maxBytes: transferMessageLimit(maxTupleBytes), name: 'transfer' },
    ping: { credential: 'open', maxBytes: 64 * 1024, name: 'ping' },
    // Tapped values are user data; nimbus (holding every topology's secret) and the topology's own workers may tap.
    tap: { credential: 'topology', maxBytes: 64 * 1024, name: 'tap' },
    applyDebugOptions: { credential: 'topology', maxBytes: 1024 * 1024, name: 'debug options' },
  });
}

/** Who a worker's server answers for: what its credential check and size limits need, known before it binds. */
export interface WorkerServerIdentity {
  topologyId: string;
  secret: string;
  /** "host:port" of this worker. */
  self: string;
  /** `topology.max.tuple.bytes`: bounds the messages this worker accepts. */
  maxTupleBytes: number;
  log: Logger;
}

/** Options of {@link createWorkerHandlers}. */
export interface TransferServiceOptions extends WorkerServerIdentity {
  /** The runtime tuples are delivered into. */
  runtime: WorkerRuntime;
  converter: WireConverter;
  /** Tuples a producer may have in flight to this worker. */
  window: number;
  startedMs: number;
}

/** What {@link workerServerOptions} returns. */
export interface WorkerServerParts {
  /** Per-method credential and size: pass to `withDecodeFailureLog` with the service definition. */
  policies: Record<string, MethodPolicy>;
  /** Options of the worker's `grpc.Server`: the receive limit of the largest batch and the credential check. */
  serverOptions: grpc.ServerOptions;
}

/**
 * The worker's `grpc.Server` options and method policies: every call but Ping proves the topology's secret in its
 * metadata, bound to this worker's address, checked by the interceptor before any message is read.
 */
export function workerServerOptions(opts: WorkerServerIdentity): WorkerServerParts {
  const policies = workerPolicies(opts.maxTupleBytes);
  const interceptor = authInterceptor({
    policies,
    audiences: () => [opts.self],
    topologySecret: (id) => (id === opts.topologyId ? opts.secret : undefined),
    onRefused: (r) =>
      opts.log.warn(
        { peer: r.peer, call: r.name, reason: r.reason },
        `refused unauthenticated ${r.name} from ${r.peer}: ${r.reason}`,
      ),
  });
  return { policies, serverOptions: serverOptions(largestMessage(policies), { interceptors: [interceptor] }) };
}

type Stream = grpc.ServerDuplexStream<pb.TransferMessage, pb.ITransferMessage>;

/** What {@link createWorkerHandlers} returns. */
export interface WorkerServiceParts {
  handlers: WorkerHandlers;
  /** Grants credit held back from streams once the runtime's queues are below capacity; run after every pass. */
  retryCredit: () => void;
  close: () => void;
}

/**
 * The Worker service: accepts Transfer streams from peer workers that prove the topology's secret in the call's
 * metadata (an HMAC bound to the method, this worker's address and the time; the secret never travels, and a stream
 * without it is refused before any message is read), delivers their tuples into executor queues, and grants credit
 * only while those queues are below their capacity, so a slow consumer pauses its producers and nothing is dropped.
 */
export function createWorkerHandlers(opts: TransferServiceOptions): WorkerServiceParts {
  // Streams whose credit is held back while our queues are over capacity.
  const blocked = new Map<Stream, { window: ReceiveWindow; untaken: number }>();
  const streams = new Set<Stream>();

  const grant = (call: Stream, window: ReceiveWindow, count: number): void => {
    const limit = window.onTaken(count);
    if (limit !== undefined) call.write({ credit: { tupleLimit: limit } });
  };

  const rt = opts.runtime;
  const conv = opts.converter;
  const retryCredit = (): void => {
    if (rt.queuesOverfull) return;
    for (const [call, b] of blocked) {
      blocked.delete(call);
      grant(call, b.window, b.untaken);
    }
  };

  const refuse = (call: Stream, code: grpc.status, message: string): void => {
    opts.log.warn({ peer: call.getPeer() }, `refused transfer stream: ${message}`);
    call.emit('error', { code, details: message, message } as grpc.ServiceError);
    call.end();
  };

  const transfer = (call: Stream): void => {
    let window: ReceiveWindow | undefined;
    let from = '?';
    streams.add(call);
    call.on('data', (m: pb.TransferMessage) => {
      if (!window) {
        const hello = m.hello;
        // The caller proved the topology's secret in its metadata (the interceptor); Hello only names the ends.
        if (!hello) return refuse(call, grpc.status.FAILED_PRECONDITION, 'first message must be Hello');
        if (hello.topologyId !== opts.topologyId)
          return refuse(
            call,
            grpc.status.FAILED_PRECONDITION,
            `this worker runs ${opts.topologyId}, not ${hello.topologyId}`,
          );
        if (hello.toWorker && hello.toWorker !== opts.self)
          return refuse(call, grpc.status.FAILED_PRECONDITION, `this worker is ${opts.self}, not ${hello.toWorker}`);
        from = hello.fromWorker ?? '?';
        window = new ReceiveWindow({ window: opts.window });
        call.write({ credit: { tupleLimit: window.initialCredit } });
        return;
      }
      if (!m.batch) return;
      const batch = { count: Number(m.batch.count ?? 0), payload: m.batch.payload ?? new Uint8Array(0) };
      try {
        window.onReceived(batch.count);
        const tuples = decodeBatch(batch.payload);
        // Flow control counts the declared number: a batch holding more than it declares would overrun the window.
        if (tuples.length !== batch.count)
          return refuse(
            call,
            grpc.status.INVALID_ARGUMENT,
            `bad batch from ${from}: declares ${batch.count} tuples but holds ${tuples.length}`,
          );
        for (const w of tuples) {
          try {
            rt.receive(w.targetTask, conv.fromWire(w));
          } catch (err) {
            opts.log.error({ from, err }, `dropped a tuple from ${from}: ${(err as Error).message}`);
          }
        }
      } catch (err) {
        return refuse(call, grpc.status.INVALID_ARGUMENT, `bad batch from ${from}: ${(err as Error).message}`);
      }
      if (rt.queuesOverfull) {
        const b = blocked.get(call);
        if (b) b.untaken += batch.count;
        else blocked.set(call, { window, untaken: batch.count });
      } else grant(call, window, batch.count);
    });
    const done = () => {
      blocked.delete(call);
      streams.delete(call);
    };
    call.on('end', () => {
      done();
      call.end();
    });
    call.on('error', done);
    call.on('cancelled', done);
  };

  const ping: WorkerHandlers['ping'] = (call, callback) => {
    callback(null, {
      nonce: call.request.nonce,
      topologyId: opts.topologyId,
      worker: opts.self,
      uptimeSecs: Math.floor((Date.now() - opts.startedMs) / 1000),
    });
  };

  return {
    handlers: { transfer, ping } as WorkerHandlers,
    retryCredit,
    close: () => {
      for (const s of streams) s.end();
      streams.clear();
      blocked.clear();
    },
  };
}
