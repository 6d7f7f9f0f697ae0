import type * as grpc from '@grpc/grpc-js';
import type { Config } from '@squall/core';
import {
  createWorkerClient,
  KEEPALIVE_OPTIONS,
  tlsFilesFromConfig,
  unaryCall,
  WorkerService,
  type pb,
  type WorkerClient,
} from '@squall/protocol';

/** How long nimbus waits for a worker to take debug options. */
const WORKER_CALL_TIMEOUT_MS = 5000;

/**
 * Nimbus's client side of the Worker service's debugging calls (Tap, ApplyDebugOptions). Each call carries a proof
 * of the topology's secret made for the worker's address, the credential workers ask of these calls. Clients are
 * kept per (topology, "host:port") and closed by {@link close}.
 */
export class WorkerCalls {
  private readonly clients = new Map<string, WorkerClient>();

  constructor(private readonly conf: Config) {}

  /** Opens a tap on one worker; cancel the returned call to end it. */
  tap(address: string, topologyId: string, secret: string, spec: pb.ITapSpec): grpc.ClientReadableStream<pb.TapEvents> {
    return this.client(address, topologyId, secret).tap({ topologyId, spec });
  }

  /** Pushes a topology's debug options to one worker. Rejects with the gRPC error. */
  applyDebugOptions(
    address: string,
    topologyId: string,
    secret: string,
    optionsJson: string,
  ): Promise<pb.WorkerDebugOptionsAck> {
    return unaryCall(
      this.client(address, topologyId, secret),
      WorkerService.applyDebugOptions,
      { topologyId, optionsJson },
      { deadline: Date.now() + WORKER_CALL_TIMEOUT_MS },
    );
  }

  /** Closes the clients of workers no longer in `live` ("topologyId|host:port" keys), or every client. */
  close(live?: ReadonlySet<string>): void {
    for (const [key, c] of this.clients) {
      if (live?.has(key)) continue;
      c.close();
      this.clients.delete(key);
    }
  }

  private client(address: string, topologyId: string, secret: string): WorkerClient {
    const key = `${topologyId}|${address}`;
    let c = this.clients.get(key);
    // Keepalive: a tap on a worker whose host is gone (no FIN) fails within seconds, and the next resync opens another.
    if (!c)
      this.clients.set(
        key,
        (c = createWorkerClient(address, {
          tls: tlsFilesFromConfig(this.conf),
          topologyCredential: { topologyId, secret },
          channelOptions: { ...KEEPALIVE_OPTIONS },
        })),
      );
    return c;
  }
}
