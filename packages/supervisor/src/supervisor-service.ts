import { closeSync, constants, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '@squall/core';
import {
  servicePolicies,
  SupervisorService,
  type MethodPolicy,
  type pb,
  type SupervisorHandlers,
} from '@squall/protocol';

/** What the service needs from the supervisor. */
export interface SupervisorServiceHost {
  /** Records a worker heartbeat; returns the reply (status and assignment for the worker's topology). */
  onWorkerHeartbeat(req: pb.WorkerHeartbeatRequest): pb.IWorkerHeartbeatResponse;
  /** Log file of a worker slot, if known. */
  logFile(topologyId: string, port: number): string | undefined;
  log: Logger;
  /** The topology a call proved the secret of (set by the auth interceptor's check of its metadata). */
  authenticatedTopology(metadata: grpc.Metadata): string | undefined;
}

const MAX_LOG_READ = 1024 * 1024;

/** Most errors a slot keeps for its next heartbeat to nimbus (and takes from one worker heartbeat). */
export const MAX_SLOT_ERRORS = 100;
/** Most executor entries a worker heartbeat may carry. */
export const MAX_WORKER_EXECUTORS = 10_000;

/**
 * Credential and request size limit of every Supervisor method: a worker proves its own topology's secret (it never
 * holds the cluster credential); log reads (the UI) need the cluster credential when one is configured.
 */
export const SUPERVISOR_POLICIES: Readonly<Record<string, MethodPolicy>> = servicePolicies(SupervisorService, {
  workerHeartbeat: { credential: 'topology', maxBytes: 2 * 1024 * 1024, name: 'worker heartbeat' },
  getWorkerLog: { credential: 'cluster', maxBytes: 64 * 1024, name: 'worker log' },
});

/** The Supervisor gRPC service: worker heartbeats and log tails. Credentials are checked before, by the interceptor. */
export function createSupervisorHandlers(host: SupervisorServiceHost): SupervisorHandlers {
  const refuse = (cb: grpc.sendUnaryData<never>, peer: string, code: grpc.status, message: string) => {
    host.log.warn({ peer }, `refused a call from ${peer}: ${message}`);
    cb({ code, details: message, name: 'Error', message, metadata: new grpc.Metadata() });
  };
  return {
    workerHeartbeat: (
      call: grpc.ServerUnaryCall<pb.WorkerHeartbeatRequest, pb.IWorkerHeartbeatResponse>,
      cb: grpc.sendUnaryData<pb.IWorkerHeartbeatResponse>,
    ) => {
      // The proof was for the topology in the metadata: a worker speaks only for its own topology.
      if (host.authenticatedTopology(call.metadata) !== call.request.topologyId)
        return refuse(
          cb as grpc.sendUnaryData<never>,
          call.getPeer(),
          grpc.status.PERMISSION_DENIED,
          `worker heartbeat for ${String(call.request.topologyId).slice(0, 100)} carries another topology's credential`,
        );
      if ((call.request.executors ?? []).length > MAX_WORKER_EXECUTORS)
        return refuse(
          cb as grpc.sendUnaryData<never>,
          call.getPeer(),
          grpc.status.INVALID_ARGUMENT,
          `worker heartbeat with ${call.request.executors.length} executors (at most ${MAX_WORKER_EXECUTORS})`,
        );
      cb(null, host.onWorkerHeartbeat(call.request));
    },
    getWorkerLog: (
      call: grpc.ServerUnaryCall<pb.GetWorkerLogRequest, pb.IGetWorkerLogResponse>,
      cb: grpc.sendUnaryData<pb.IGetWorkerLogResponse>,
    ) => {
      const file = host.logFile(call.request.topologyId, call.request.port);
      if (!file || !existsSync(file)) return cb(null, { data: new Uint8Array(0), offset: 0, fileSize: 0 });
      let fd: number;
      try {
        // The log sits in a dir its worker's user owns: a link put in its place is refused, not followed as root.
        fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      } catch (err) {
        return refuse(
          cb as grpc.sendUnaryData<never>,
          call.getPeer(),
          grpc.status.FAILED_PRECONDITION,
          `cannot read the worker log: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
        );
      }
      let buf: Buffer;
      let offset: number;
      let size: number;
      try {
        const st = fstatSync(fd);
        if (!st.isFile())
          return refuse(
            cb as grpc.sendUnaryData<never>,
            call.getPeer(),
            grpc.status.FAILED_PRECONDITION,
            'the worker log is not a regular file',
          );
        size = st.size;
        const want = Math.min(Number(call.request.length) || 64 * 1024, MAX_LOG_READ);
        const offsetReq = Number(call.request.offset);
        offset = Math.max(0, Math.min(size, offsetReq < 0 ? size + offsetReq : offsetReq));
        const length = Math.max(0, Math.min(want, size - offset));
        buf = Buffer.alloc(length);
        readSync(fd, buf, 0, length, offset);
      } finally {
        closeSync(fd);
      }
      cb(null, { data: buf, offset, fileSize: size });
    },
  } as SupervisorHandlers;
}
