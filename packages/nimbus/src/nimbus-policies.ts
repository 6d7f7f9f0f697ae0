import { NimbusService, servicePolicies, type MethodPolicy } from '@squall/protocol';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Credential and request size limit of every Nimbus method. People (CLI, UI actions) hold the token; daemons
 * (supervisors, other nimbuses) the cluster credential; status reads are open. A submit's package arrives in chunks
 * (DEFAULT_PACKAGE_CHUNK_BYTES), so no message needs more than a few MiB: the largest is a supervisor's heartbeat.
 */
export const NIMBUS_POLICIES: Readonly<Record<string, MethodPolicy>> = servicePolicies(NimbusService, {
  submitTopology: { credential: 'token', maxBytes: 4 * MiB, name: 'submit' },
  killTopology: { credential: 'token', maxBytes: 64 * KiB, name: 'kill' },
  activate: { credential: 'token', maxBytes: 64 * KiB, name: 'activate' },
  deactivate: { credential: 'token', maxBytes: 64 * KiB, name: 'deactivate' },
  rebalance: { credential: 'token', maxBytes: 64 * KiB, name: 'rebalance' },
  listTopologies: { credential: 'open', maxBytes: 64 * KiB, name: 'list' },
  getTopologyInfo: { credential: 'open', maxBytes: 64 * KiB, name: 'info' },
  getClusterInfo: { credential: 'open', maxBytes: 64 * KiB, name: 'cluster' },
  getComponentInfo: { credential: 'open', maxBytes: 64 * KiB, name: 'component' },
  downloadPackage: { credential: 'cluster', maxBytes: 64 * KiB, name: 'download' },
  supervisorHeartbeat: { credential: 'cluster', maxBytes: 4 * MiB, name: 'supervisor heartbeat' },
  getLeader: { credential: 'open', maxBytes: 64 * KiB, name: 'leader' },
  // Logs can hold tuple data: people with the token only.
  getTopologyLogs: { credential: 'token', maxBytes: 64 * KiB, name: 'logs' },
  // Tapped tuples are user data; debug and log levels change what workers do.
  tap: { credential: 'token', maxBytes: 64 * KiB, name: 'tap' },
  setDebug: { credential: 'token', maxBytes: 64 * KiB, name: 'debug' },
  setLogLevel: { credential: 'token', maxBytes: 64 * KiB, name: 'log level' },
});

/** Most worker entries a supervisor heartbeat may carry (more slots than any machine runs). */
export const MAX_HEARTBEAT_WORKERS = 1024;
/** Most executor entries per worker in a heartbeat. */
export const MAX_HEARTBEAT_EXECUTORS = 10_000;
/** Most errors per worker per heartbeat that nimbus stores; the rest are counted in a log line. */
export const MAX_HEARTBEAT_ERRORS = 50;
/** Most supervisors nimbus keeps health for; heartbeats of further ones are refused until some are forgotten. */
export const MAX_TRACKED_SUPERVISORS = 10_000;
