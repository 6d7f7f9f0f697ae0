import * as grpc from '@grpc/grpc-js';
import {
  connectLeaderNimbus,
  NimbusService,
  NimbusUnreachableError,
  RpcError,
  rpcErrorOf,
  unaryCall,
  type NimbusClient,
  type pb,
  type RpcMethod,
  type TlsFiles,
} from '@squall/protocol';
import { HttpError } from './errors';

/** Options of {@link NimbusGateway}. */
export interface NimbusGatewayOptions {
  /** Nimbus addresses to ask who leads ("host:port"), from `nimbus.seeds`. */
  candidates: string[];
  /** `nimbus.auth.token`, sent on every call. @default undefined */
  authToken?: string;
  /** Deadline of each call, ms. @default 10000 */
  timeoutMs?: number;
  /** TLS for the gRPC connection (`squall.tls.*`). @default undefined: plaintext */
  tls?: TlsFiles;
}

/** How often the UI asks its nimbus who leads, so it follows a leader that was deposed but still answers reads. */
const LEADER_RECHECK_MS = 5000;

const STATUS_TO_HTTP: Partial<Record<grpc.status, number>> = {
  [grpc.status.NOT_FOUND]: 404,
  [grpc.status.INVALID_ARGUMENT]: 400,
  [grpc.status.ALREADY_EXISTS]: 409,
  [grpc.status.FAILED_PRECONDITION]: 409,
  [grpc.status.OUT_OF_RANGE]: 400,
  [grpc.status.UNAVAILABLE]: 502,
  [grpc.status.DEADLINE_EXCEEDED]: 502,
  [grpc.status.CANCELLED]: 502,
  [grpc.status.RESOURCE_EXHAUSTED]: 429,
};

/**
 * The UI daemon's only way to the cluster: a client of the leader nimbus, found from the seeds like the CLI does and
 * found again when the leader stops answering, says it is not the leader, or names another leader when asked (every
 * few seconds: a deposed leader still answers reads, without statistics, which go to the leader). gRPC failures become
 * {@link HttpError}s: NOT_FOUND → 404, INVALID_ARGUMENT → 400, unreachable → 502, and so on.
 */
export class NimbusGateway {
  private client: Promise<NimbusClient> | undefined;
  /** The client `client` resolved to, once it did. */
  private resolved: NimbusClient | undefined;
  private closed = false;
  /** The leader the current client's nimbus named when last asked, and when that was. */
  private knownLeader: string | undefined;
  private checkedAt = 0;
  private checking: Promise<void> | undefined;

  constructor(private readonly options: NimbusGatewayOptions) {}

  /**
   * Makes a unary call on the leader; retries once on a fresh leader lookup when the call could not reach it.
   * @throws HttpError with the status matching the gRPC failure
   */
  async call<ReqI, Res>(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    method: RpcMethod<ReqI, any, any, Res, false, false>,
    request: ReqI,
  ): Promise<Res> {
    for (let attempt = 0; ; attempt++) {
      if (this.client && Date.now() - this.checkedAt > LEADER_RECHECK_MS)
        await (this.checking ??= this.recheckLeader().finally(() => (this.checking = undefined)));
      const client = await this.leader();
      try {
        return await unaryCall(client, method, request, { deadline: Date.now() + (this.options.timeoutMs ?? 10000) });
      } catch (err) {
        const e = rpcErrorOf(err);
        if (!(e instanceof RpcError)) throw e;
        const stale =
          e.status === grpc.status.UNAVAILABLE ||
          (e.status === grpc.status.FAILED_PRECONDITION && /leader/i.test(e.details));
        if (stale) this.forget(client);
        if (stale && attempt === 0) continue;
        throw toHttpError(e, method.path);
      }
    }
  }

  /**
   * Opens a `Nimbus.Tap` call on the leader (no deadline: it lives until cancelled). Failures of the call arrive as
   * its 'error' event; {@link toHttpError} turns them into HTTP errors.
   * @throws HttpError 502 when no leader can be reached
   */
  async tap(request: pb.ITapTopologyRequest): Promise<grpc.ClientReadableStream<pb.TapEvents>> {
    if (this.client && Date.now() - this.checkedAt > LEADER_RECHECK_MS)
      await (this.checking ??= this.recheckLeader().finally(() => (this.checking = undefined)));
    const client = await this.leader();
    return client.tap(request);
  }

  /** Closes the connection; later calls fail with 502. */
  close(): void {
    this.closed = true;
    this.resolved?.close();
    this.resolved = undefined;
    this.client = undefined;
  }

  private leader(): Promise<NimbusClient> {
    if (this.closed) return Promise.reject(new HttpError(502, 'the UI is shutting down'));
    if (!this.client) {
      const options = {
        ...(this.options.authToken !== undefined ? { authToken: this.options.authToken } : {}),
        tls: this.options.tls,
        timeoutMs: Math.min(5000, this.options.timeoutMs ?? 10000),
      };
      const pending: Promise<NimbusClient> = connectLeaderNimbus(this.options.candidates, options).then(
        (client) => {
          if (this.client === pending && !this.closed) this.resolved = client;
          else client.close();
          this.checkedAt = Date.now();
          return client;
        },
        (err: unknown) => {
          if (this.client === pending) this.client = undefined;
          throw err instanceof NimbusUnreachableError
            ? new HttpError(502, `${err.message} (check the UI's nimbus.seeds)`)
            : err;
        },
      );
      this.client = pending;
    }
    return this.client;
  }

  /** Asks the current nimbus who leads; a different answer than last time means the leader moved: reconnect. */
  private async recheckLeader(): Promise<void> {
    const pending = this.client;
    const client = await pending?.catch(() => undefined);
    if (!client) return;
    this.checkedAt = Date.now();
    try {
      const l = await unaryCall(client, NimbusService.getLeader, {}, { deadline: Date.now() + 3000 });
      const leader = `${l.host}:${l.port}`;
      if (this.knownLeader !== undefined && this.knownLeader !== leader) this.forget(client);
      this.knownLeader = leader;
    } catch {
      this.forget(client);
      this.knownLeader = undefined;
    }
  }

  /** Drops `client` if it is still the current one (a newer connection is kept). */
  private forget(client: NimbusClient): void {
    if (this.resolved !== client) return;
    this.client = undefined;
    this.resolved = undefined;
    client.close();
  }
}

/**
 * A failed gRPC call of `path` (mapped by `rpcErrorOf`, the one gRPC-to-`SquallError` mapping) as the HTTP error the
 * UI answers with (NOT_FOUND → 404, unreachable → 502...); an error that is no gRPC failure is a 500.
 */
export function toHttpError(err: unknown, path: string): HttpError {
  const e = rpcErrorOf(err);
  if (!(e instanceof RpcError)) return new HttpError(500, e instanceof Error ? e.message : String(e));
  if (e.status === grpc.status.UNAUTHENTICATED)
    return new HttpError(
      502,
      `nimbus refused the UI's credentials on ${path}: set the UI's nimbus.auth.token to nimbus's`,
    );
  const status = STATUS_TO_HTTP[e.status];
  if (status === 502) return new HttpError(502, `nimbus did not answer ${path}: ${e.details}`);
  return new HttpError(status ?? 500, e.details);
}
