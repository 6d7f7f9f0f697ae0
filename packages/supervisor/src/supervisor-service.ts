import { openSync, readSync, closeSync, statSync, existsSync } from 'node:fs';
import type * as grpc from '@grpc/grpc-js';
import type { pb, SupervisorHandlers } from '@squall/protocol';

/** What the service needs from the supervisor. */
export interface SupervisorServiceHost {
  /** Records a worker heartbeat; returns the reply (status and assignment for the worker's topology). */
  onWorkerHeartbeat(req: pb.WorkerHeartbeatRequest): pb.IWorkerHeartbeatResponse;
  /** Log file of a worker slot, if known. */
  logFile(topologyId: string, port: number): string | undefined;
}

const MAX_LOG_READ = 1024 * 1024;

/** The Supervisor gRPC service: worker heartbeats and log tails. */
export function createSupervisorHandlers(host: SupervisorServiceHost): SupervisorHandlers {
  return {
    workerHeartbeat: (call: grpc.ServerUnaryCall<pb.WorkerHeartbeatRequest, pb.IWorkerHeartbeatResponse>, cb: grpc.sendUnaryData<pb.IWorkerHeartbeatResponse>) => {
      cb(null, host.onWorkerHeartbeat(call.request));
    },
    getWorkerLog: (call: grpc.ServerUnaryCall<pb.GetWorkerLogRequest, pb.IGetWorkerLogResponse>, cb: grpc.sendUnaryData<pb.IGetWorkerLogResponse>) => {
      const file = host.logFile(call.request.topologyId, call.request.port);
      if (!file || !existsSync(file)) return cb(null, { data: new Uint8Array(0), offset: 0, fileSize: 0 });
      const size = statSync(file).size;
      const want = Math.min(Number(call.request.length) || 64 * 1024, MAX_LOG_READ);
      const offsetReq = Number(call.request.offset);
      const offset = Math.max(0, Math.min(size, offsetReq < 0 ? size + offsetReq : offsetReq));
      const length = Math.max(0, Math.min(want, size - offset));
      const buf = Buffer.alloc(length);
      const fd = openSync(file, 'r');
      try {
        readSync(fd, buf, 0, length, offset);
      } finally {
        closeSync(fd);
      }
      cb(null, { data: buf, offset, fileSize: size });
    },
  } as SupervisorHandlers;
}
