import type { TopologySpec } from '@squall/api';
import type { Config } from '@squall/core';
import type { TlsFiles } from '@squall/protocol';

/** Where one executor runs (the assignment's executor entry). */
export interface PlacedExecutor {
  component: string;
  startTask: number;
  endTask: number;
  supervisorId: string;
  port: number;
}

/** The parts of an assignment a worker needs: every executor's slot and every slot's host. */
export interface WorkerAssignment {
  executors: PlacedExecutor[];
  workers: Array<{ supervisorId: string; host: string; port: number }>;
}

/** Everything a worker process needs to start, written by its supervisor as JSON. */
export interface WorkerLaunch {
  topologyId: string;
  supervisorId: string;
  /** Address the worker binds and peers reach it at. */
  host: string;
  port: number;
  /** "host:port" of the supervisor's gRPC service for heartbeats. */
  supervisorAddress: string;
  /** The extracted package. */
  packageDir: string;
  topology: { spec: TopologySpec; conf: Config; secret: string };
  assignment: WorkerAssignment;
  assignmentVersion: string;
  /** The supervisor's `squall.tls.*` files: the worker serves and dials with TLS when set. */
  tls?: TlsFiles;
}
