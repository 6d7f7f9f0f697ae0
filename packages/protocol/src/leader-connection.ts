import type * as grpc from '@grpc/grpc-js';
import type { TlsFiles } from './credentials';
import { NimbusUnreachableError, UntrustedLeaderError } from './errors';
import { createNimbusClient, NimbusService, type NimbusClient } from './generated/services';
import type { ClientOptions } from './grpc-options';
import { unaryCall } from './unary-call';

/** Options of {@link connectLeaderNimbus}. */
export interface LeaderConnectionOptions extends ClientOptions {
  /**
   * TLS settings (`squall.tls.*`).
   * @default undefined: plaintext
   */
  tls?: TlsFiles | undefined;
  /**
   * How long each candidate gets to answer GetLeader.
   * @default 5000
   */
  timeoutMs?: number;
  /**
   * Further addresses a leader may have for the token to be sent there (`nimbus.seeds` when `candidates` is only
   * `--nimbus`). With a token and without TLS, a leader outside `candidates` and `trusted` is refused
   * (UntrustedLeaderError): its address comes from ZooKeeper alone.
   * @default []
   */
  trusted?: readonly string[];
}

/**
 * A client of the leader nimbus: asks each candidate ("host:port", in order) who leads (GetLeader, answered by
 * standbys too) and returns a client of the leader; the first candidate that answers decides. Shared by the CLI and
 * the UI daemon so both find the leader the same way. A token is only sent to a leader named in `candidates` or
 * `trusted`, unless TLS verifies the leader's certificate.
 * @throws NimbusUnreachableError naming every address tried and the last failure
 * @throws UntrustedLeaderError when the leader is not trusted (see `trusted`)
 */
export async function connectLeaderNimbus(
  candidates: readonly string[],
  options: LeaderConnectionOptions = {},
): Promise<NimbusClient> {
  const clientOptions = {
    ...(options.authToken !== undefined ? { authToken: options.authToken } : {}),
    tls: options.tls,
  };
  let lastError = 'no address to try';
  for (const address of candidates) {
    const client = createNimbusClient(address, clientOptions);
    try {
      const leader = await unaryCall(
        client,
        NimbusService.getLeader,
        {},
        { deadline: Date.now() + (options.timeoutMs ?? 5000) },
      );
      const leaderAddress = `${leader.host}:${leader.port}`;
      if (leaderAddress === address) return client;
      client.close();
      const trusted = new Set([...candidates, ...(options.trusted ?? [])]);
      if (options.authToken !== undefined && options.tls === undefined && !trusted.has(leaderAddress))
        throw new UntrustedLeaderError(address, leaderAddress);
      return createNimbusClient(leaderAddress, clientOptions);
    } catch (err) {
      client.close();
      if (err instanceof UntrustedLeaderError) throw err;
      const e = err as grpc.ServiceError;
      lastError = e.details || e.message;
    }
  }
  throw new NimbusUnreachableError([...candidates], lastError);
}
