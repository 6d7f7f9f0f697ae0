import * as grpc from '@grpc/grpc-js';
import { clusterSecretOf, type Config } from '@squall/core';
import {
  createSupervisorClient,
  pb,
  SupervisorService,
  tlsFilesFromConfig,
  unaryCall,
  type SupervisorClient,
} from '@squall/protocol';

/** How long nimbus waits for a supervisor's answer before reporting it unreachable. */
const SUPERVISOR_CALL_TIMEOUT_MS = 10000;

/**
 * Nimbus's client side of the Supervisor service. Every nimbus → supervisor call goes through here, so the transport
 * security (`squall.tls.*`) and any credential the supervisors require are set in one place: the client options of
 * {@link client} (per address) and the per-call {@link callOptions}. Clients are kept per "host:port" and closed by
 * {@link close}.
 */
export class SupervisorCalls {
  private readonly clients = new Map<string, SupervisorClient>();

  constructor(private readonly conf: Config) {}

  /** A page of a worker's log (see GetWorkerLogRequest). Rejects with the gRPC error. */
  readWorkerLog(address: string, request: pb.IGetWorkerLogRequest): Promise<pb.GetWorkerLogResponse> {
    return unaryCall(this.client(address), SupervisorService.getWorkerLog, request, this.callOptions());
  }

  /** Closes every client. */
  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  private client(address: string): SupervisorClient {
    let c = this.clients.get(address);
    if (!c)
      this.clients.set(
        address,
        (c = createSupervisorClient(address, {
          tls: tlsFilesFromConfig(this.conf),
          clusterSecret: clusterSecretOf(this.conf),
        })),
      );
    return c;
  }

  /** Deadline and metadata of one call: where a credential for the supervisors belongs. */
  private callOptions(): { deadline: number; metadata: grpc.Metadata } {
    return { deadline: Date.now() + SUPERVISOR_CALL_TIMEOUT_MS, metadata: new grpc.Metadata() };
  }
}
