import type * as grpc from '@grpc/grpc-js';
import { bearerToken, DEFAULT_PACKAGE_CHUNK_BYTES, pb, tokenMatches, type NimbusHandlers } from '@squall/protocol';
import { InvalidSubmissionError, NotFoundError, NotLeaderError, toServiceError, UnauthenticatedError } from './errors';
import { clusterInfo, componentInfo, listTopologies, topologyInfo } from './info-builder';
import { findTopology, type NimbusContext } from './nimbus-context';
import { topologyLogs } from './topology-logs';
import { checkSubmission, killTopology, rebalanceTopology, setActive, storeSubmission, type SubmitRequest } from './topology-actions';

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

/**
 * The Nimbus gRPC service. Mutating calls need the leader and, when `nimbus.auth.token` is set, a matching bearer
 * token (compared in constant time); reads are served by any nimbus.
 */
export function createNimbusHandlers(ctx: NimbusContext): NimbusHandlers {
  const token = typeof ctx.conf['nimbus.auth.token'] === 'string' ? (ctx.conf['nimbus.auth.token'] as string) : undefined;

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
        header = { name: h.name ?? '', specJson: h.specJson ?? '', confJson: h.confJson ?? '', digest: h.packageDigest ?? '', size: Number(h.packageSize ?? 0), owner: 'squall' };
        // Check before the bytes arrive, so an invalid topology fails fast instead of after a long upload.
        checked = guard(call.metadata, 'submit', call.getPeer()).then(() => checkSubmission(ctx, header!));
        checked.catch(fail);
        return;
      }
      if (!header) return fail(new InvalidSubmissionError('the first message of a submit must be its header'));
      const chunk = m.chunk ?? new Uint8Array(0);
      received += chunk.length;
      if (received > header.size) return fail(new InvalidSubmissionError(`package larger than the ${header.size} bytes its header announced`));
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
      if (!t || !record) throw new NotFoundError(target);
      call.write({ header: { digest: record.digest, size: record.size, topologyJson: JSON.stringify({ topologyId: t.id, spec: record.spec, conf: record.conf, secret: record.secret }) } });
      for await (const chunk of ctx.packages.open(t.id, DEFAULT_PACKAGE_CHUNK_BYTES)) call.write({ chunk: chunk as Buffer });
      call.end();
    })().catch((err: unknown) => call.destroy(Object.assign(new Error((err as Error).message), toServiceError(err))));
  };

  const supervisorHeartbeat: Unary<pb.SupervisorHeartbeatRequest, pb.ISupervisorHeartbeatResponse> = (call, callback) => {
    const errors = ctx.heartbeats.record(call.request, Date.now());
    for (const w of call.request.workers ?? []) {
      const slot = ctx.heartbeats.slot(w.topologyId ?? '', call.request.supervisorId ?? '', Number(w.port ?? 0));
      if (slot) ctx.windows.record(slot.topologyId, slot.supervisorId, slot.port, slot.executors);
    }
    callback(null, {});
    for (const { topologyId, error } of errors) {
      ctx.cluster
        .reportError(topologyId, error.component ?? '?', {
          timeSecs: Math.floor(Number(error.timeMs ?? Date.now()) / 1000),
          message: error.error ?? '',
          host: error.host ?? '',
          port: Number(error.port ?? 0),
          task: Number(error.task ?? -1),
        })
        .catch((err: unknown) => ctx.log.warn({ err }, 'could not store a component error'));
    }
  };

  return {
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
      await rebalanceTopology(ctx, r.name ?? '', r.waitSecs ?? undefined, r.numWorkers ?? undefined, Object.fromEntries(Object.entries(r.componentExecutors ?? {}).map(([k, v]) => [k, Number(v)])));
      return {};
    }),
    listTopologies: unary('list', false, async () => ({ topologies: await listTopologies(ctx) })),
    getTopologyInfo: unary('info', false, (r: pb.GetTopologyInfoRequest) => topologyInfo(ctx, r.idOrName ?? '', r.windowSecs ?? 0)),
    getClusterInfo: unary('cluster', false, () => clusterInfo(ctx)),
    getComponentInfo: unary('component', false, (r: pb.GetComponentInfoRequest) => componentInfo(ctx, r.topology ?? '', r.component ?? '', r.windowSecs ?? 0)),
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
