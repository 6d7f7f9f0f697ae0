import * as grpc from '@grpc/grpc-js';
import type { Logger } from '@squall/core';
import type { WorkerRuntime } from '@squall/engine';
import { ReceiveWindow, decodeBatch, tokenMatches, pb, type WorkerHandlers } from '@squall/protocol';
import type { WireConverter } from './wire';

/** Options of {@link createWorkerHandlers}. */
export interface TransferServiceOptions {
  topologyId: string;
  secret: string;
  /** "host:port" of this worker. */
  self: string;
  runtime: () => WorkerRuntime | undefined;
  converter: () => WireConverter | undefined;
  /** Tuples a producer may have in flight to this worker. */
  window: number;
  log: Logger;
  startedMs: number;
}

type Stream = grpc.ServerDuplexStream<pb.TransferMessage, pb.ITransferMessage>;

/**
 * The Worker service: accepts Transfer streams from peer workers holding the topology's secret, delivers their tuples
 * into executor queues, and grants credit only while those queues are below their capacity, so a slow consumer
 * pauses its producers and nothing is dropped.
 */
export function createWorkerHandlers(opts: TransferServiceOptions): { handlers: WorkerHandlers; retryCredit: () => void; close: () => void } {
  // Streams whose credit is held back while our queues are over capacity.
  const blocked = new Map<Stream, { window: ReceiveWindow; untaken: number }>();
  const streams = new Set<Stream>();

  const grant = (call: Stream, window: ReceiveWindow, count: number): void => {
    const limit = window.onTaken(count);
    if (limit !== undefined) call.write({ credit: { tupleLimit: limit } });
  };

  const retryCredit = (): void => {
    const rt = opts.runtime();
    if (!rt || rt.queuesOverfull) return;
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
        if (!hello) return refuse(call, grpc.status.FAILED_PRECONDITION, 'first message must be Hello');
        if (!tokenMatches(opts.secret, hello.secret ?? undefined)) return refuse(call, grpc.status.UNAUTHENTICATED, `wrong topology secret from ${hello.fromWorker || call.getPeer()}`);
        if (hello.topologyId !== opts.topologyId) return refuse(call, grpc.status.FAILED_PRECONDITION, `this worker runs ${opts.topologyId}, not ${hello.topologyId}`);
        if (hello.toWorker && hello.toWorker !== opts.self) return refuse(call, grpc.status.FAILED_PRECONDITION, `this worker is ${opts.self}, not ${hello.toWorker}`);
        from = hello.fromWorker ?? '?';
        window = new ReceiveWindow({ window: opts.window });
        call.write({ credit: { tupleLimit: window.initialCredit } });
        return;
      }
      if (!m.batch) return;
      const batch = { count: Number(m.batch.count ?? 0), payload: m.batch.payload ?? new Uint8Array(0) };
      const rt = opts.runtime();
      const conv = opts.converter();
      if (!rt || !conv) return refuse(call, grpc.status.UNAVAILABLE, 'worker not ready');
      try {
        window.onReceived(batch.count);
        const tuples = decodeBatch(batch.payload);
        // Flow control counts the declared number: a batch holding more than it declares would overrun the window.
        if (tuples.length !== batch.count) return refuse(call, grpc.status.INVALID_ARGUMENT, `bad batch from ${from}: declares ${batch.count} tuples but holds ${tuples.length}`);
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
    callback(null, { nonce: call.request.nonce, topologyId: opts.topologyId, worker: opts.self, uptimeSecs: Math.floor((Date.now() - opts.startedMs) / 1000) });
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
