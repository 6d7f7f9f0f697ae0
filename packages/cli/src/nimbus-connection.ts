import * as grpc from '@grpc/grpc-js';
import { effectiveConfig, getConfig, nimbusSeedAddresses, SquallError, tokenOf, withNimbusPort, type Config } from '@squall/core';
import { connectLeaderNimbus, NimbusUnreachableError as LeaderUnreachableError, tlsFilesFromConfig, type NimbusClient } from '@squall/protocol';

/** Thrown when no nimbus answers at the given address or seeds. */
export class NimbusUnreachableError extends SquallError {
  constructor(tried: string[], detail: string) {
    super('NIMBUS_UNREACHABLE', `cannot reach nimbus at ${tried.join(', ')}: ${detail} (is it running? pass --nimbus host:port or set nimbus.seeds)`);
  }
}

/** Calls a unary client method as a promise, turning gRPC errors into one-line messages. */
export function rpc<Req, Res>(
  method: (req: Req, metadata: grpc.Metadata, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Res) => void) => unknown,
  self: unknown,
  req: Req,
  timeoutMs = 30000,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(self, req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
      if (err) reject(new SquallError(grpc.status[err.code] ?? 'RPC', err.details || err.message));
      else resolve(res as Res);
    });
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
    return await connectLeaderNimbus(nimbusCandidates(conf, explicit), { ...(token !== undefined ? { authToken: token } : {}), tls: tlsFilesFromConfig(conf), trusted: nimbusCandidates(conf) });
  } catch (err) {
    if (err instanceof LeaderUnreachableError) throw new NimbusUnreachableError(err.tried, err.detail);
    throw err;
  }
}
