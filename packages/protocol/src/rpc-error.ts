import * as grpc from '@grpc/grpc-js';
import { ProtocolError } from './errors';

/**
 * A gRPC call that failed, as a `SquallError`: `code` is the status's name (`NOT_FOUND`, `UNAUTHENTICATED`, ...),
 * the message is what the server said, and `status` keeps the number for callers that branch on it.
 */
export class RpcError extends ProtocolError {
  /** The gRPC status of the failure. */
  readonly status: grpc.status;
  /** The server's (or the channel's) description of the failure. */
  readonly details: string;
  constructor(status: grpc.status, details: string, options?: { cause?: unknown }) {
    super(grpc.status[status] ?? 'RPC', details, options);
    this.status = status;
    this.details = details;
  }
}

/**
 * The one mapping of a gRPC failure (a `grpc.ServiceError`, as `unaryCall` and streaming calls reject with) to an
 * {@link RpcError}; anything else (an error thrown before the call, say) is returned as it is.
 */
export function rpcErrorOf(err: unknown): unknown {
  if (err instanceof RpcError) return err;
  const e = err as Partial<grpc.ServiceError> | null;
  if (e === null || typeof e !== 'object' || typeof e.code !== 'number' || !(err instanceof Error)) return err;
  return new RpcError(e.code, e.details || e.message || grpc.status[e.code] || 'call failed', { cause: err });
}
