import * as grpc from '@grpc/grpc-js';
import { bearerToken, tokenMatches } from './auth-metadata';
import {
  checkCallProof,
  CLUSTER_AUTH_METADATA_KEY,
  metadataString,
  TOPOLOGY_AUTH_METADATA_KEY,
  TOPOLOGY_ID_METADATA_KEY,
} from './cluster-auth';
import type { RpcServiceDefinition } from './rpc-method';

/**
 * Which credential a method needs: `open` none; `token` the people's bearer token (`nimbus.auth.token`);
 * `cluster` a proof of the daemons' cluster credential (`squall.cluster.secret`); `topology` a proof of the secret
 * of the topology named in the call's metadata.
 */
export type CallCredential = 'open' | 'token' | 'cluster' | 'topology';

/** How a server treats one method: its credential and the largest request message it decodes. */
export interface MethodPolicy {
  credential: CallCredential;
  /** Largest request message, bytes; a larger one is refused before it is decoded. */
  maxBytes: number;
  /** Short name for logs (`submit`, `heartbeat`...). */
  name: string;
}

/** Options of {@link authInterceptor}. */
export interface AuthInterceptorOptions {
  /** Policy per method path (`/squall.v1.Nimbus/KillTopology`); a path not listed is refused. */
  policies: Readonly<Record<string, MethodPolicy>>;
  /** `nimbus.auth.token`; when unset, `token` methods are open. */
  token?: string | undefined;
  /** `squall.cluster.secret`; when unset, `cluster` methods are open. */
  clusterSecret?: string | undefined;
  /** Addresses ("host:port") this server is dialled at: proofs must name one of them. */
  audiences: () => readonly string[];
  /** The secret of a topology this server serves, for `topology` methods; unknown ids are refused. */
  topologySecret?: (topologyId: string) => string | undefined;
  /** Told about every refused call (log it: the peer and the reason). */
  onRefused: (refusal: {
    method: string;
    name: string;
    peer: string;
    credential: CallCredential;
    reason: string;
  }) => void;
}

const REFUSAL_DETAILS: Record<Exclude<CallCredential, 'open'>, string> = {
  token: 'unauthenticated: this cluster requires a valid nimbus.auth.token',
  cluster: 'unauthenticated: this call requires the cluster credential (squall.cluster.secret)',
  topology: "unauthenticated: this call requires the topology's own credential",
};

/** Why `metadata` does not satisfy `credential` for `method`, or undefined when it does. */
export function credentialProblem(
  options: Omit<AuthInterceptorOptions, 'policies' | 'onRefused'>,
  credential: CallCredential,
  method: string,
  metadata: grpc.Metadata,
): string | undefined {
  switch (credential) {
    case 'open':
      return undefined;
    case 'token':
      if (options.token === undefined) return undefined;
      return tokenMatches(options.token, bearerToken(metadata))
        ? undefined
        : bearerToken(metadata) === undefined
          ? 'no token'
          : 'wrong token';
    case 'cluster':
      if (options.clusterSecret === undefined) return undefined;
      return checkCallProof(
        options.clusterSecret,
        metadataString(metadata, CLUSTER_AUTH_METADATA_KEY),
        method,
        options.audiences(),
      );
    case 'topology': {
      const id = metadataString(metadata, TOPOLOGY_ID_METADATA_KEY);
      const secret = id !== undefined ? options.topologySecret?.(id) : undefined;
      if (secret === undefined)
        return id === undefined ? 'no topology named' : `no topology ${JSON.stringify(id.slice(0, 100))} here`;
      return checkCallProof(secret, metadataString(metadata, TOPOLOGY_AUTH_METADATA_KEY), method, options.audiences());
    }
  }
}

/**
 * A server interceptor that checks each call's credential from its metadata, before the server reads (and so
 * decodes) any request message: a refused call ends with UNAUTHENTICATED and its bytes are never parsed.
 */
export function authInterceptor(options: AuthInterceptorOptions): grpc.ServerInterceptor {
  return (descriptor, call) =>
    new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, pass) {
            const policy = options.policies[descriptor.path];
            const reason = policy
              ? credentialProblem(options, policy.credential, descriptor.path, metadata)
              : 'unknown method';
            if (reason === undefined) return pass(metadata);
            const credential = policy?.credential ?? 'cluster';
            options.onRefused({
              method: descriptor.path,
              name: policy?.name ?? descriptor.path,
              peer: call.getPeer(),
              credential,
              reason,
            });
            call.sendStatus({
              code: grpc.status.UNAUTHENTICATED,
              details: credential === 'open' ? reason : REFUSAL_DETAILS[credential],
              metadata: new grpc.Metadata(),
            });
          },
        });
      },
    });
}

/** The largest `maxBytes` of `policies`: the server-wide receive limit (per-method limits are checked after it). */
export function largestMessage(policies: Readonly<Record<string, MethodPolicy>>): number {
  return Math.max(...Object.values(policies).map((p) => p.maxBytes));
}

/**
 * Policies for every method of `definition`: `byName` gives them by the method's client name (`killTopology`).
 * @throws Error when a method of the service has no policy (a new RPC must choose its credential and size)
 */
export function servicePolicies(
  definition: RpcServiceDefinition,
  byName: Readonly<Record<string, MethodPolicy>>,
): Record<string, MethodPolicy> {
  const out: Record<string, MethodPolicy> = {};
  for (const [name, method] of Object.entries(definition)) {
    const p = byName[name];
    if (!p) throw new Error(`no security policy for ${method.path}: give it a credential and a message limit`);
    out[method.path] = p;
  }
  return out;
}
