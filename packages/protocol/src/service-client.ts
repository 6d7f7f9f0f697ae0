import * as grpc from '@grpc/grpc-js';
import { resolveClientOptions, type ClientOptions } from './grpc-options';
import type { RpcMethod, RpcServiceDefinition } from './rpc-method';

/** Callback of a unary or client-streaming call: the decoded response, or a `grpc.ServiceError` with its status. */
export type ResponseCallback<Res> = (error: grpc.ServiceError | null, response?: Res) => void;

/** A unary method on a client, with grpc-js's usual overloads. */
export interface UnaryClientMethod<ReqI, Res> {
  (request: ReqI, callback: ResponseCallback<Res>): grpc.ClientUnaryCall;
  (request: ReqI, metadata: grpc.Metadata, callback: ResponseCallback<Res>): grpc.ClientUnaryCall;
  (request: ReqI, options: Partial<grpc.CallOptions>, callback: ResponseCallback<Res>): grpc.ClientUnaryCall;
  (
    request: ReqI,
    metadata: grpc.Metadata,
    options: Partial<grpc.CallOptions>,
    callback: ResponseCallback<Res>,
  ): grpc.ClientUnaryCall;
}

/** A client-streaming method: write requests to the returned stream, `end()` it, get the response in `callback`. */
export interface ClientStreamingClientMethod<ReqI, Res> {
  (callback: ResponseCallback<Res>): grpc.ClientWritableStream<ReqI>;
  (metadata: grpc.Metadata, callback: ResponseCallback<Res>): grpc.ClientWritableStream<ReqI>;
  (options: Partial<grpc.CallOptions>, callback: ResponseCallback<Res>): grpc.ClientWritableStream<ReqI>;
  (
    metadata: grpc.Metadata,
    options: Partial<grpc.CallOptions>,
    callback: ResponseCallback<Res>,
  ): grpc.ClientWritableStream<ReqI>;
}

/** A server-streaming method: read decoded responses from the returned stream. */
export interface ServerStreamingClientMethod<ReqI, Res> {
  (request: ReqI, options?: Partial<grpc.CallOptions>): grpc.ClientReadableStream<Res>;
  (request: ReqI, metadata?: grpc.Metadata, options?: Partial<grpc.CallOptions>): grpc.ClientReadableStream<Res>;
}

/** A bidirectional-streaming method. */
export interface BidiStreamingClientMethod<ReqI, Res> {
  (options?: Partial<grpc.CallOptions>): grpc.ClientDuplexStream<ReqI, Res>;
  (metadata?: grpc.Metadata, options?: Partial<grpc.CallOptions>): grpc.ClientDuplexStream<ReqI, Res>;
}

/** The client method type for one {@link RpcMethod}: requests are plain interfaces, responses decoded classes. */
export type ClientMethod<M> =
  M extends RpcMethod<infer ReqI, infer _Req, infer _ResI, infer Res, infer CS, infer SS>
    ? CS extends true
      ? SS extends true
        ? BidiStreamingClientMethod<ReqI, Res>
        : ClientStreamingClientMethod<ReqI, Res>
      : SS extends true
        ? ServerStreamingClientMethod<ReqI, Res>
        : UnaryClientMethod<ReqI, Res>
    : never;

/** A grpc-js client for service definition `S`: every method typed, plus `close()`, `waitForReady()` and so on. */
export type ServiceClient<S extends RpcServiceDefinition> = grpc.Client & {
  readonly [K in keyof S]: ClientMethod<S[K]>;
};

/**
 * A client constructor for `definition` (grpc-js's `makeGenericClientConstructor`). Make it once per service: each
 * call creates a new class.
 */
export function makeServiceClientConstructor<S extends RpcServiceDefinition>(
  definition: S,
  serviceName: string,
): new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions) => ServiceClient<S> {
  return grpc.makeGenericClientConstructor(definition, serviceName) as unknown as new (
    address: string,
    credentials: grpc.ChannelCredentials,
    options?: grpc.ClientOptions,
  ) => ServiceClient<S>;
}

/**
 * Connects lazily to `address` ("host:port"): nothing is dialled until the first call or `waitForReady`. Close the
 * client with `close()` when done, or its channel keeps the process alive.
 */
export function createServiceClient<S extends RpcServiceDefinition>(
  Constructor: new (
    address: string,
    credentials: grpc.ChannelCredentials,
    options?: grpc.ClientOptions,
  ) => ServiceClient<S>,
  address: string,
  options?: ClientOptions,
): ServiceClient<S> {
  const resolved = resolveClientOptions(options, address);
  return new Constructor(address, resolved.credentials, resolved.channelOptions);
}
