import type * as grpc from '@grpc/grpc-js';
import { isSafeId } from '@squall/core';
import {
  bearerToken,
  credentialProblem,
  DEFAULT_PACKAGE_CHUNK_BYTES,
  NimbusService,
  pb,
  signDocument,
  tokenMatches,
  type NimbusHandlers,
} from '@squall/protocol';
import { InvalidSubmissionError, NotFoundError, NotLeaderError, toServiceError, UnauthenticatedError } from './errors';
import { clusterInfo, componentInfo, listTopologies, topologyInfo } from './info-builder';
import { clusterSecretOf, findTopology, tokenOf, type NimbusContext } from './nimbus-context';
import {
  MAX_HEARTBEAT_ERRORS,
  MAX_HEARTBEAT_EXECUTORS,
  MAX_HEARTBEAT_WORKERS,
  MAX_TRACKED_SUPERVISORS,
} from './nimbus-policies';
import { createDebugHandlers } from './debug-service';
import { topologyLogs } from './topology-logs';
import {
  checkSubmission,
  killTopology,
  rebalanceTopology,
  setActive,
  storeSubmission,
  type SubmitRequest,
} from './topology-actions';

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

/** Components whose errors nimbus stores besides a topology's own: the supervisor's and the engine's. */
const SYSTEM_ERROR_COMPONENTS = new Set(['__worker', '__system', '__acker']);

/**
 * The Nimbus gRPC service. Credentials are checked before this by the server's interceptor (NIMBUS_POLICIES);
 * mutating calls also need the leader (and are checked against the token again, in constant time); reads are served
 * by any nimbus.
 */
export function createNimbusHandlers(ctx: NimbusContext): NimbusHandlers {
  const token = tokenOf(ctx.conf);
  const clusterSecret = clusterSecretOf(ctx.conf);
  const credentials = { token, clusterSecret, audiences: () => [ctx.address] };
  /** Whether a call may see a topology's config: security off, or it carries the token or the cluster credential. */
  const mayReadConf = (metadata: grpc.Metadata, method: string): boolean =>
    (token === undefined && clusterSecret === undefined) ||
    (token !== undefined && credentialProblem(credentials, 'token', method, metadata) === undefined) ||
    (clusterSecret !== undefined && credentialProblem(credentials, 'cluster', method, metadata) === undefined);

  async function guard(metadata: grpc.Metadata, what: string, peer: string): Promise<void> {
    if (token !== undefined && !tokenMatches(token, bearerToken(metadata))) {
      ctx.log.warn({ peer, call: what }, `refused unauthenticated ${what} from ${peer}`);
      throw new UnauthenticatedError();
    }
    if (!ctx.leader.isLeader()) throw new NotLeaderError(await ctx.leader.leaderAddress());
  }

  function unary<Req, Res>(name: string, mutating: boolean, fn: (req: Req) => Promise<Res>): Unary<Req, Res> {
    return (call, callback) => {
      (async () => {
        if (mutating) await guard(call.metadata, name, call.getPeer());
        return fn(call.request);
      })().then(
        (res) => callback(null, res),
        (err) => {
          if (!(err instanceof NotFoundError)) ctx.log.debug({ err, call: name }, `${name} failed`);
          callback(toServiceError(err) as grpc.ServiceError);
        },
      );
    };
  }

  const submitTopology: NimbusHandlers['submitTopology'] = (call, callback) => {
    let header: SubmitRequest | undefined;
    let checked: Promise<Awaited<ReturnType<typeof checkSubmission>>> | undefined;
    const chunks: Buffer[] = [];
    let received = 0;
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      callback(toServiceError(err) as grpc.ServiceError);
    };
    call.on('data', (m: pb.SubmitTopologyRequest) => {
      if (failed) return;
      if (m.header) {
        const h = m.header;
        header = {
          name: h.name ?? '',
          specJson: h.specJson ?? '',
          confJson: h.confJson ?? '',
          digest: h.packageDigest ?? '',
          size: Number(h.packageSize ?? 0),
          owner: 'squall',
        };
        // Check before the bytes arrive, so an invalid topology fails fast instead of after a long upload.
        checked = guard(call.metadata, 'submit', call.getPeer()).then(() => checkSubmission(ctx, header!));
        checked.catch(fail);
        return;
      }
      if (!header) return fail(new InvalidSubmissionError('the first message of a submit must be its header'));
      const chunk = m.chunk ?? new Uint8Array(0);
      received += chunk.length;
      if (received > header.size)
        return fail(new InvalidSubmissionError(`package larger than the ${header.size} bytes its header announced`));
      chunks.push(Buffer.from(chunk));
    });
    call.on('end', () => {
      if (failed) return;
      if (!header || !checked) return fail(new InvalidSubmissionError('submit ended before its header'));
      checked
        .then((c) => storeSubmission(ctx, header!, c, Buffer.concat(chunks)))
        .then((topologyId) => callback(null, { topologyId }), fail);
    });
    call.on('error', () => {
      failed = true;
    });
  };

  const downloadPackage: NimbusHandlers['downloadPackage'] = (call) => {
    (async () => {
      const target = call.request.topologyId || call.request.digest || '';
      const t = await findTopology(ctx, target, true);
      const record = t ? ctx.packages.record(t.id) : undefined;
      if (!t || !record) throw new NotFoundError(target.slice(0, 200));
      const topologyJson = JSON.stringify({
        topologyId: t.id,
        spec: record.spec,
        conf: record.conf,
        secret: record.secret,
      });
      const signature =
        clusterSecret !== undefined
          ? signDocument(clusterSecret, 'package-header', t.id, record.digest, { size: record.size, topologyJson })
          : '';
      ctx.log.info({ topology: t.id, peer: call.getPeer() }, `sending the package of ${t.id} to ${call.getPeer()}`);
      call.write({ header: { digest: record.digest, size: record.size, topologyJson, signature } });
      for await (const chunk of ctx.packages.open(t.id, DEFAULT_PACKAGE_CHUNK_BYTES))
        call.write({ chunk: chunk as Buffer });
      call.end();
      // 'error' (not destroy, which would skip the stream's final status and leave the caller waiting) ends the call
      // with the error's status.
    })().catch((err: unknown) =>
      call.emit('error', Object.assign(new Error((err as Error).message), toServiceError(err))),
    );
  };

  const supervisorHeartbeat: Unary<pb.SupervisorHeartbeatRequest, pb.ISupervisorHeartbeatResponse> = (
    call,
    callback,
  ) => {
    const req = call.request;
    const problem = heartbeatProblem(req);
    if (problem) {
      ctx.log.warn(
        { peer: call.getPeer(), supervisor: String(req.supervisorId).slice(0, 100) },
        `refused a supervisor heartbeat from ${call.getPeer()}: ${problem}`,
      );
      return callback(
        toServiceError(new InvalidSubmissionError(`invalid supervisor heartbeat: ${problem}`)) as grpc.ServiceError,
      );
    }
    const errors = ctx.heartbeats.record(req, Date.now());
    for (const w of req.workers ?? []) {
      const slot = ctx.heartbeats.slot(w.topologyId ?? '', req.supervisorId ?? '', Number(w.port ?? 0));
      if (slot) ctx.windows.record(slot.topologyId, slot.supervisorId, slot.port, slot.executors);
    }
    callback(null, {});
    // Error logs live in ZooKeeper: only topologies nimbus runs and components they have get one, so a peer cannot
    // grow nodes by naming new ones, and each heartbeat stores a bounded number.
    const perTopology = new Map<string, number>();
    for (const { topologyId, error } of errors) {
      const record = ctx.packages.record(topologyId);
      const component = error.component ?? '?';
      if (
        !record ||
        !(SYSTEM_ERROR_COMPONENTS.has(component) || record.spec.components.some((c) => c.id === component))
      ) {
        ctx.log.warn(
          { topology: topologyId, peer: call.getPeer() },
          `dropped an error of unknown component ${JSON.stringify(component.slice(0, 100))} of ${topologyId} from ${req.supervisorId}`,
        );
        continue;
      }
      const n = (perTopology.get(topologyId) ?? 0) + 1;
      perTopology.set(topologyId, n);
      if (n > MAX_HEARTBEAT_ERRORS) continue;
      ctx.cluster
        .reportError(topologyId, error.component ?? '?', {
          timeSecs: Math.floor(Number(error.timeMs ?? Date.now()) / 1000),
          message: error.error ?? '',
          host: error.host ?? '',
          port: Number(error.port ?? 0),
          task: Number(error.task ?? -1),
        })
        .catch((err: unknown) => ctx.log.warn({ err, topology: topologyId }, 'could not store a component error'));
    }
    for (const [topologyId, n] of perTopology)
      if (n > MAX_HEARTBEAT_ERRORS)
        ctx.log.warn(
          { topology: topologyId },
          `stored ${MAX_HEARTBEAT_ERRORS} of ${n} errors of ${topologyId} from one heartbeat of ${req.supervisorId}`,
        );
  };

  /** Why a heartbeat is refused: ids that are not safe, or more entries than any real supervisor sends. */
  function heartbeatProblem(req: pb.SupervisorHeartbeatRequest): string | undefined {
    if (!isSafeId(req.supervisorId)) return 'supervisor id is not a safe id';
    const workers = req.workers ?? [];
    if (workers.length > MAX_HEARTBEAT_WORKERS) return `${workers.length} workers (at most ${MAX_HEARTBEAT_WORKERS})`;
    if ((req.ports ?? []).length > MAX_HEARTBEAT_WORKERS)
      return `${(req.ports ?? []).length} ports (at most ${MAX_HEARTBEAT_WORKERS})`;
    for (const w of workers) {
      if (!isSafeId(w.topologyId)) return `worker on port ${w.port} names a topology id that is not a safe id`;
      if ((w.executors ?? []).length > MAX_HEARTBEAT_EXECUTORS)
        return `worker on port ${w.port} reports ${(w.executors ?? []).length} executors (at most ${MAX_HEARTBEAT_EXECUTORS})`;
    }
    if (!ctx.heartbeats.supervisors.has(req.supervisorId) && ctx.heartbeats.supervisors.size >= MAX_TRACKED_SUPERVISORS)
      return `already tracking ${MAX_TRACKED_SUPERVISORS} supervisors`;
    return undefined;
  }

  const debug = createDebugHandlers(ctx, unary);
  return {
    ...debug.handlers,
    submitTopology,
    killTopology: unary('kill', true, async (r: pb.KillTopologyRequest) => {
      await killTopology(ctx, r.name ?? '', r.waitSecs ?? undefined);
      return {};
    }),
    activate: unary('activate', true, async (r: pb.ActivateRequest) => {
      await setActive(ctx, r.name ?? '', true);
      return {};
    }),
    deactivate: unary('deactivate', true, async (r: pb.DeactivateRequest) => {
      await setActive(ctx, r.name ?? '', false);
      return {};
    }),
    rebalance: unary('rebalance', true, async (r: pb.RebalanceRequest) => {
      await rebalanceTopology(
        ctx,
        r.name ?? '',
        r.waitSecs ?? undefined,
        r.numWorkers ?? undefined,
        Object.fromEntries(Object.entries(r.componentExecutors ?? {}).map(([k, v]) => [k, Number(v)])),
      );
      return {};
    }),
    listTopologies: unary('list', false, async () => ({ topologies: await listTopologies(ctx) })),
    getTopologyInfo: (
      call: grpc.ServerUnaryCall<pb.GetTopologyInfoRequest, pb.ITopologyInfo>,
      callback: grpc.sendUnaryData<pb.ITopologyInfo>,
    ) => {
      const privileged = mayReadConf(call.metadata, NimbusService.getTopologyInfo.path);
      unary('info', false, async (r: pb.GetTopologyInfoRequest) => {
        const info = await topologyInfo(ctx, r.idOrName ?? '', r.windowSecs ?? 0);
        // A topology's config may hold its author's secrets (connection strings, keys): only for credential holders.
        return privileged ? info : { ...info, confJson: '' };
      })(call, callback);
    },
    getClusterInfo: unary('cluster', false, () => clusterInfo(ctx)),
    getComponentInfo: unary('component', false, (r: pb.GetComponentInfoRequest) =>
      componentInfo(ctx, r.topology ?? '', r.component ?? '', r.windowSecs ?? 0),
    ),
    downloadPackage,
    supervisorHeartbeat,
    // Guarded like a mutating call: logs can hold tuple data, and only the leader hears the supervisors' heartbeats.
    getTopologyLogs: unary('logs', true, (r: pb.GetTopologyLogsRequest) => topologyLogs(ctx, ctx.supervisorCalls, r)),
    getLeader: unary('leader', false, async () => {
      const leader = await ctx.cluster.getLeader();
      if (!leader) throw new NotLeaderError(null);
      const i = leader.lastIndexOf(':');
      return { host: leader.slice(0, i), port: Number(leader.slice(i + 1)) };
    }),
  } as NimbusHandlers;
}
