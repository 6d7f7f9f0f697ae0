import type * as grpc from '@grpc/grpc-js';
import type { RpcMethod, RpcServiceDefinition } from './rpc-method';

/** The server handler type for one {@link RpcMethod}: requests arrive decoded, responses may be plain objects. */
export type ServerHandler<M> =
  M extends RpcMethod<infer _ReqI, infer Req, infer ResI, infer _Res, infer CS, infer SS>
    ? CS extends true
      ? SS extends true
        ? grpc.handleBidiStreamingCall<Req, ResI>
        : grpc.handleClientStreamingCall<Req, ResI>
      : SS extends true
        ? grpc.handleServerStreamingCall<Req, ResI>
        : grpc.handleUnaryCall<Req, ResI>
    : never;

/**
 * Everything a server must implement for service definition `S`; pass it with the definition to
 * `server.addService(NimbusService, handlers)`.
 */
export type ServiceHandlers<S extends RpcServiceDefinition> = { [K in keyof S]: ServerHandler<S[K]> };
