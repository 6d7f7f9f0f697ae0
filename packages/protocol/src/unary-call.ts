import * as grpc from '@grpc/grpc-js';
import type { RpcMethod } from './rpc-method';

/** Per-call options of {@link unaryCall}. */
export interface UnaryCallOptions extends Partial<grpc.CallOptions> {
  /**
   * Extra metadata for this call (the client's auth token is added anyway).
   * @default empty metadata
   */
  metadata?: grpc.Metadata;
  /**
   * Cancels the call when aborted; the promise then rejects with status CANCELLED.
   * @default undefined: not cancellable
   */
  signal?: AbortSignal;
}

/**
 * Makes a unary call and returns its response as a promise, typed by the method definition:
 * `await unaryCall(client, NimbusService.getLeader, {})`. Rejects with the `grpc.ServiceError` (its `code` is the
 * gRPC status). The client must serve the method's service, or the call fails with UNIMPLEMENTED.
 */
export function unaryCall<ReqI, Res>(
  client: grpc.Client,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  method: RpcMethod<ReqI, any, any, Res, false, false>,
  request: ReqI,
  options: UnaryCallOptions = {},
): Promise<Res> {
  const { metadata = new grpc.Metadata(), signal, ...callOptions } = options;
  return new Promise<Res>((resolve, reject) => {
    const call = client.makeUnaryRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      request,
      metadata,
      callOptions,
      (error, response) => {
        signal?.removeEventListener('abort', cancel);
        if (error) reject(error);
        else resolve(response as Res);
      },
    );
    const cancel = (): void => call.cancel();
    if (signal?.aborted) cancel();
    else signal?.addEventListener('abort', cancel, { once: true });
  });
}
