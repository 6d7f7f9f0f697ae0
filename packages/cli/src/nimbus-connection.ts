import { effectiveConfig, getConfig, nimbusSeedAddresses, tokenOf, withNimbusPort, type Config } from '@squall/core';
import {
  connectLeaderNimbus,
  NimbusUnreachableError,
  rpcErrorOf,
  tlsFilesFromConfig,
  unaryCall,
  type NimbusClient,
  type RpcMethod,
} from '@squall/protocol';

/**
 * The CLI's unary call: {@link unaryCall} with a deadline, failing with an `RpcError` (a `SquallError` whose `code` is
 * the gRPC status name and whose message is the server's).
 */
export function callNimbus<ReqI, Res>(
  client: NimbusClient,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  method: RpcMethod<ReqI, any, any, Res, false, false>,
  request: ReqI,
  timeoutMs = 30000,
): Promise<Res> {
  return unaryCall(client, method, request, { deadline: Date.now() + timeoutMs }).catch((err: unknown) => {
    throw rpcErrorOf(err);
  });
}

/** Addresses to try: `--nimbus`, else every `nimbus.seeds` entry (with `nimbus.port` unless it has one). */
export function nimbusCandidates(conf: Config, explicit?: string): string[] {
  if (explicit) return [withNimbusPort(explicit, getConfig(conf, 'nimbus.port'))];
  return nimbusSeedAddresses(conf);
}

/**
 * A client of the leader nimbus: asks each candidate who leads (GetLeader) and connects there; the auth token from
 * `nimbus.auth.token` rides on every call, but is never sent to a leader outside `--nimbus` and `nimbus.seeds`
 * unless TLS verifies it.
 * @throws NimbusUnreachableError naming every address tried
 */
export async function connectNimbus(confIn: Config, explicit?: string): Promise<NimbusClient> {
  const conf = effectiveConfig(confIn);
  const token = tokenOf(conf);
  try {
    // A token only goes to a leader among the configured seeds (or one TLS verifies): ZooKeeper names the leader.
    return await connectLeaderNimbus(nimbusCandidates(conf, explicit), {
      ...(token !== undefined ? { authToken: token } : {}),
      tls: tlsFilesFromConfig(conf),
      trusted: nimbusCandidates(conf),
    });
  } catch (err) {
    if (err instanceof NimbusUnreachableError)
      throw new NimbusUnreachableError(
        err.tried,
        err.detail,
        'is it running? pass --nimbus host:port or set nimbus.seeds',
      );
    throw err;
  }
}
