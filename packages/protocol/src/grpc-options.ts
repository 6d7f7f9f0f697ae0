import * as grpc from '@grpc/grpc-js';
import { bearerMetadata } from './auth-metadata';
import { proofInterceptor } from './cluster-auth';
import { channelCredentials, type TlsFiles } from './credentials';

/**
 * Largest gRPC message Squall's clients and servers accept (grpc-js's default is 4 MiB). It must exceed the largest
 * tuple batch: a single tuple may be up to `topology.max.tuple.bytes` (8 MiB by default).
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** Chunk size for package upload and download streams: large enough to amortise per-message cost, small enough to report progress. */
export const DEFAULT_PACKAGE_CHUNK_BYTES = 256 * 1024;

/**
 * HTTP/2 keepalive of every Squall server, and of the clients that hold long streams (nimbus's taps on workers): a
 * PING every 5 s, and a peer that acks none for 20 s is dropped, which ends its calls (a tap is forgotten at once).
 * TCP alone notices a peer gone without a FIN (a host off the network, a process stopped or hung) only after minutes,
 * or never while nothing is sent. 20 s leaves room for a peer briefly starved of CPU; a PING costs a few bytes.
 * grpc-js servers do not police client PINGs, so clients may use the same values.
 */
export const KEEPALIVE_OPTIONS = {
  'grpc.keepalive_time_ms': 5000,
  'grpc.keepalive_timeout_ms': 20000,
} as const satisfies grpc.ChannelOptions;

/** How a Squall gRPC client connects. */
export interface ClientOptions {
  /**
   * Sent as `authorization: Bearer <token>` on every call of the client (nimbus's `nimbus.auth.token`).
   * @default undefined: no authorization metadata
   */
  authToken?: string;
  /**
   * The cluster credential (`squall.cluster.secret`): every call carries a proof of it made for the address dialled
   * (see CLUSTER_AUTH_METADATA_KEY). Daemons only.
   * @default undefined: no proof
   */
  clusterSecret?: string | undefined;
  /**
   * A topology's id and secret: every call carries a proof of that secret (WorkerHeartbeat from a worker).
   * @default undefined: no proof
   */
  topologyCredential?: { topologyId: string; secret: string } | undefined;
  /**
   * TLS settings (`squall.tls.*`, see `tlsFilesFromConfig`); ignored when `credentials` is given.
   * @default undefined: plaintext
   */
  tls?: TlsFiles | undefined;
  /**
   * Transport security, e.g. `grpc.credentials.createSsl(...)`; wins over `tls`.
   * @default channelCredentials(tls): plaintext unless `tls` is set
   */
  credentials?: grpc.ChannelCredentials;
  /**
   * Largest message sent or received.
   * @default DEFAULT_MAX_MESSAGE_BYTES
   */
  maxMessageBytes?: number;
  /**
   * Further grpc-js channel options (keepalive, `grpc.service_config`, ...); they override the ones derived above.
   * @default {}
   */
  channelOptions?: grpc.ClientOptions;
}

/** {@link ClientOptions} with defaults filled in, in the shape grpc-js client constructors take. */
export interface ResolvedClientOptions {
  credentials: grpc.ChannelCredentials;
  channelOptions: grpc.ClientOptions;
}

/**
 * Fills the defaults of {@link ClientOptions}; the auth token and credential proofs become interceptors so streaming
 * calls carry them too. `address` is the address dialled: proofs are made for it.
 */
export function resolveClientOptions(options: ClientOptions = {}, address = ''): ResolvedClientOptions {
  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const interceptors: grpc.Interceptor[] = [...(options.channelOptions?.interceptors ?? [])];
  const token = options.authToken;
  if (token !== undefined) interceptors.unshift(authInterceptor(token));
  if (options.clusterSecret !== undefined) interceptors.unshift(proofInterceptor(options.clusterSecret, address));
  const t = options.topologyCredential;
  if (t !== undefined) interceptors.unshift(proofInterceptor(t.secret, address, t.topologyId));
  return {
    credentials: options.credentials ?? channelCredentials(options.tls),
    channelOptions: {
      'grpc.max_receive_message_length': maxBytes,
      'grpc.max_send_message_length': maxBytes,
      ...options.channelOptions,
      interceptors,
    },
  };
}

/**
 * grpc-js server options accepting messages up to `maxMessageBytes`, with {@link KEEPALIVE_OPTIONS} (a client gone
 * without a FIN is dropped within seconds); pass to `new grpc.Server(...)`. `extra` overrides any of them.
 * @default maxMessageBytes DEFAULT_MAX_MESSAGE_BYTES
 */
export function serverOptions(
  maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
  extra: grpc.ServerOptions = {},
): grpc.ServerOptions {
  return {
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
    ...KEEPALIVE_OPTIONS,
    ...extra,
  };
}

// Call credentials would need TLS; an interceptor works on insecure local clusters as well.
function authInterceptor(token: string): grpc.Interceptor {
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        next(bearerMetadata(token, metadata), listener);
      },
    });
}
