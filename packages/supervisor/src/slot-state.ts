/**
 * A supervisor slot (one worker port) as an explicit state machine with a pure step function, as in Storm's Slot:
 * `EMPTY → WAITING_FOR_PACKAGE → STARTING → RUNNING → KILLING → EMPTY`, plus `BACKOFF` after a worker died, so a
 * crash-looping worker is restarted with growing delays instead of in a tight loop. The supervisor calls
 * {@link stepSlot} on every change and on a timer, then performs the returned actions; what those actions lead to (a
 * download that finished or failed, the pid of a spawned worker) comes back as an observation of the next step. The
 * state alone counts restarts and download failures.
 */

/** What should run on a slot: one topology's executors. */
export interface SlotAssignment {
  topologyId: string;
  /** Identifies the executor set; a change means the worker must restart. */
  executorsKey: string;
  /** sha256 of the package the worker runs. */
  packageDigest: string;
}

/** The state of one slot. */
export type SlotState =
  | { kind: 'EMPTY' }
  | WaitingState
  | { kind: 'STARTING'; assignment: SlotAssignment; pid: number; since: number; restarts: number }
  | { kind: 'RUNNING'; assignment: SlotAssignment; pid: number; since: number; restarts: number }
  | {
      kind: 'KILLING';
      assignment: SlotAssignment;
      pid: number;
      since: number;
      forced: boolean;
      reason: string;
      restarts: number;
    }
  | { kind: 'BACKOFF'; assignment: SlotAssignment; until: number; restarts: number };

/**
 * Waiting for the package (download, verification, Python environment), then for the spawned worker's pid.
 * `restarts` counts worker deaths in a row (carried from a previous worker of the same assignment).
 */
export interface WaitingState {
  kind: 'WAITING_FOR_PACKAGE';
  assignment: SlotAssignment;
  since: number;
  restarts: number;
  /** Whether a download action is out and its outcome not yet observed. */
  downloading: boolean;
  /** Downloads of this package that failed in a row. */
  downloadFailures: number;
  /** No download is issued before this time (ms): the backoff after a failed one. */
  retryAt: number;
}

/** What the supervisor observed about the slot. */
export interface SlotObservation {
  now: number;
  /** What the assignments in ZooKeeper say should run here (null: nothing). */
  desired: SlotAssignment | null;
  /** Whether the desired package is downloaded and verified. */
  packageReady: boolean;
  /** Whether the slot's worker process (if any) is still alive. */
  processAlive: boolean;
  /** Exit code or signal of the worker, when it exited. */
  exitDescription?: string;
  /** When the worker last heartbeated (ms), or undefined if never. */
  lastHeartbeat?: number;
  /** Set when a worker was just spawned by the previous action. */
  spawnedPid?: number;
  /**
   * Set once the previous download action finished: `{}` when it succeeded, `{ error }` with the reason when it
   * failed.
   */
  downloaded?: { error?: string };
}

/** Timeouts governing the machine, ms. */
export interface SlotTimeouts {
  /** `supervisor.worker.start.timeout.secs`. */
  startMs: number;
  /** `supervisor.worker.timeout.secs`. */
  heartbeatMs: number;
  /** `supervisor.worker.shutdown.sleep.secs`: SIGTERM to SIGKILL. */
  shutdownMs: number;
  /** First restart delay; doubles per restart in a row. @default 1000 */
  backoffBaseMs?: number;
  /** Largest restart delay. @default 30000 */
  backoffMaxMs?: number;
}

/** Something the supervisor must do. */
export type SlotAction =
  | { kind: 'download'; assignment: SlotAssignment }
  | { kind: 'start'; assignment: SlotAssignment }
  | { kind: 'signal'; pid: number; signal: 'SIGTERM' | 'SIGKILL' }
  /** Log the message; unless `logOnly`, a worker error on the slot too (shown with the topology's errors). */
  | { kind: 'report'; level: 'info' | 'warn' | 'error'; message: string; logOnly?: boolean };

/** Result of a step. */
export interface SlotStep {
  state: SlotState;
  actions: SlotAction[];
}

/** Whether two assignments are the same worker (topology, executors and package). */
export function sameAssignment(a: SlotAssignment | null, b: SlotAssignment | null): boolean {
  return (
    a !== null &&
    b !== null &&
    a.topologyId === b.topologyId &&
    a.executorsKey === b.executorsKey &&
    a.packageDigest === b.packageDigest
  );
}
const same = sameAssignment;

/** Restart delay after `restarts` failures in a row. */
export function backoffMs(restarts: number, t: SlotTimeouts): number {
  return Math.min(t.backoffMaxMs ?? 30000, (t.backoffBaseMs ?? 1000) * 2 ** Math.max(0, restarts - 1));
}

/** Delay before retrying a download after `failures` failed ones in a row. */
export function downloadRetryMs(failures: number): number {
  return Math.min(30000, 500 * 2 ** failures);
}

/**
 * Toward what the assignment wants, from nothing running: WAITING_FOR_PACKAGE, with a download or a start.
 * `restarts` carries over only for the same assignment (a new one starts afresh).
 */
function fromEmpty(o: SlotObservation, previous?: { assignment: SlotAssignment; restarts: number }): SlotStep {
  if (!o.desired) return { state: { kind: 'EMPTY' }, actions: [] };
  const restarts = previous && same(previous.assignment, o.desired) ? previous.restarts : 0;
  const waiting: WaitingState = {
    kind: 'WAITING_FOR_PACKAGE',
    assignment: o.desired,
    since: o.now,
    restarts,
    downloading: !o.packageReady,
    downloadFailures: 0,
    retryAt: 0,
  };
  return { state: waiting, actions: [{ kind: o.packageReady ? 'start' : 'download', assignment: o.desired }] };
}

function waiting(state: WaitingState, o: SlotObservation): SlotStep {
  if (!same(state.assignment, o.desired)) return fromEmpty(o);
  if (o.spawnedPid !== undefined)
    return {
      state: {
        kind: 'STARTING',
        assignment: state.assignment,
        pid: o.spawnedPid,
        since: o.now,
        restarts: state.restarts,
      },
      actions: [],
    };
  if (o.packageReady)
    return {
      state: { ...state, downloading: false, downloadFailures: 0 },
      actions: [{ kind: 'start', assignment: state.assignment }],
    };
  if (o.downloaded?.error !== undefined) {
    const downloadFailures = state.downloadFailures + 1;
    const delay = downloadRetryMs(downloadFailures);
    return {
      state: { ...state, downloading: false, downloadFailures, retryAt: o.now + delay },
      actions: [
        {
          kind: 'report',
          level: 'error',
          message: `package download of ${state.assignment.topologyId} failed: ${o.downloaded.error}; retrying in ${delay} ms`,
          logOnly: true,
        },
      ],
    };
  }
  // A download that ended without making the package ready (it was removed meanwhile) is issued again.
  const downloading = state.downloading && o.downloaded === undefined;
  if (!downloading && o.now >= state.retryAt)
    return { state: { ...state, downloading: true }, actions: [{ kind: 'download', assignment: state.assignment }] };
  return { state: downloading === state.downloading ? state : { ...state, downloading }, actions: [] };
}

function kill(
  s: { assignment: SlotAssignment; pid: number; restarts: number },
  o: SlotObservation,
  reason: string,
  level: 'info' | 'warn' | 'error',
): SlotStep {
  return {
    state: {
      kind: 'KILLING',
      assignment: s.assignment,
      pid: s.pid,
      since: o.now,
      forced: false,
      reason,
      restarts: s.restarts,
    },
    actions: [
      { kind: 'report', level, message: reason },
      { kind: 'signal', pid: s.pid, signal: 'SIGTERM' },
    ],
  };
}

function died(
  s: { assignment: SlotAssignment; restarts: number },
  o: SlotObservation,
  what: string,
  t: SlotTimeouts,
): SlotStep {
  const restarts = s.restarts + 1;
  const delay = backoffMs(restarts, t);
  return {
    state: { kind: 'BACKOFF', assignment: s.assignment, until: o.now + delay, restarts },
    actions: [
      {
        kind: 'report',
        level: 'error',
        message: `${what}${o.exitDescription ? ` (${o.exitDescription})` : ''}; restarting in ${Math.round(delay)} ms`,
      },
    ],
  };
}

/** One step of the slot machine: the next state and the actions to perform. Pure but for its inputs. */
export function stepSlot(state: SlotState, o: SlotObservation, timeouts: SlotTimeouts): SlotStep {
  switch (state.kind) {
    case 'EMPTY':
      return fromEmpty(o);
    case 'WAITING_FOR_PACKAGE':
      return waiting(state, o);
    case 'STARTING': {
      if (!o.processAlive)
        return died(state, o, `worker for ${state.assignment.topologyId} exited while starting`, timeouts);
      if (!same(state.assignment, o.desired))
        return kill(state, o, `assignment of ${state.assignment.topologyId} changed`, 'info');
      if (o.lastHeartbeat !== undefined && o.lastHeartbeat >= state.since)
        return {
          state: {
            kind: 'RUNNING',
            assignment: state.assignment,
            pid: state.pid,
            since: o.now,
            restarts: state.restarts,
          },
          actions: [],
        };
      if (o.now - state.since > timeouts.startMs)
        return kill(
          state,
          o,
          `worker for ${state.assignment.topologyId} sent no heartbeat within ${timeouts.startMs / 1000}s of starting`,
          'error',
        );
      return { state, actions: [] };
    }
    case 'RUNNING': {
      if (!o.processAlive) return died(state, o, `worker for ${state.assignment.topologyId} died`, timeouts);
      if (!same(state.assignment, o.desired))
        return kill(state, o, `assignment of ${state.assignment.topologyId} changed`, 'info');
      const last = o.lastHeartbeat ?? state.since;
      if (o.now - last > timeouts.heartbeatMs)
        return kill(
          state,
          o,
          `worker for ${state.assignment.topologyId} sent no heartbeat for ${timeouts.heartbeatMs / 1000}s`,
          'error',
        );
      // A worker that stays up a minute has recovered: later crashes start the backoff afresh.
      if (state.restarts > 0 && o.now - state.since > 60000) return { state: { ...state, restarts: 0 }, actions: [] };
      return { state, actions: [] };
    }
    case 'KILLING': {
      if (!o.processAlive) return fromEmpty(o, state);
      if (!state.forced && o.now - state.since > timeouts.shutdownMs)
        return { state: { ...state, forced: true }, actions: [{ kind: 'signal', pid: state.pid, signal: 'SIGKILL' }] };
      return { state, actions: [] };
    }
    case 'BACKOFF': {
      if (!same(state.assignment, o.desired)) return fromEmpty(o);
      if (o.now < state.until) return { state, actions: [] };
      return fromEmpty(o, state);
    }
  }
}

/** Worker deaths in a row on the slot (0 when empty). */
export function slotRestarts(state: SlotState): number {
  return 'restarts' in state ? state.restarts : 0;
}

/** The running worker's pid, if the state has one. */
export function slotPid(state: SlotState): number | undefined {
  return 'pid' in state ? state.pid : undefined;
}
