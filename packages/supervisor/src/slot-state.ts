/**
 * A supervisor slot (one worker port) as an explicit state machine with a pure step function, as in Storm's Slot:
 * `EMPTY → WAITING_FOR_PACKAGE → STARTING → RUNNING → KILLING → EMPTY`, plus `BACKOFF` after a worker died, so a
 * crash-looping worker is restarted with growing delays instead of in a tight loop. The supervisor calls
 * {@link stepSlot} on every change and on a timer, then performs the returned actions.
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
  | { kind: 'WAITING_FOR_PACKAGE'; assignment: SlotAssignment; since: number }
  | { kind: 'STARTING'; assignment: SlotAssignment; pid: number; since: number }
  | { kind: 'RUNNING'; assignment: SlotAssignment; pid: number; since: number }
  | { kind: 'KILLING'; assignment: SlotAssignment; pid: number; since: number; forced: boolean; reason: string }
  | { kind: 'BACKOFF'; assignment: SlotAssignment; until: number; restarts: number };

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
  /** Restarts in a row so far (kept by the supervisor per slot). */
  restarts: number;
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
  | { kind: 'report'; level: 'info' | 'warn' | 'error'; message: string }
  | { kind: 'restarts'; count: number };

/** Result of a step. */
export interface SlotStep {
  state: SlotState;
  actions: SlotAction[];
}

const same = (a: SlotAssignment | null, b: SlotAssignment | null): boolean =>
  a !== null && b !== null && a.topologyId === b.topologyId && a.executorsKey === b.executorsKey && a.packageDigest === b.packageDigest;

/** Restart delay after `restarts` failures in a row. */
export function backoffMs(restarts: number, t: SlotTimeouts): number {
  return Math.min(t.backoffMaxMs ?? 30000, (t.backoffBaseMs ?? 1000) * 2 ** Math.max(0, restarts - 1));
}

function fromEmpty(o: SlotObservation): SlotStep {
  if (!o.desired) return { state: { kind: 'EMPTY' }, actions: [] };
  if (!o.packageReady) return { state: { kind: 'WAITING_FOR_PACKAGE', assignment: o.desired, since: o.now }, actions: [{ kind: 'download', assignment: o.desired }] };
  return { state: { kind: 'WAITING_FOR_PACKAGE', assignment: o.desired, since: o.now }, actions: [{ kind: 'start', assignment: o.desired }] };
}

function kill(s: { assignment: SlotAssignment; pid: number }, o: SlotObservation, reason: string, level: 'info' | 'warn' | 'error'): SlotStep {
  return {
    state: { kind: 'KILLING', assignment: s.assignment, pid: s.pid, since: o.now, forced: false, reason },
    actions: [{ kind: 'report', level, message: reason }, { kind: 'signal', pid: s.pid, signal: 'SIGTERM' }],
  };
}

function died(s: { assignment: SlotAssignment }, o: SlotObservation, what: string, t: SlotTimeouts): SlotStep {
  const restarts = o.restarts + 1;
  const delay = backoffMs(restarts, t);
  return {
    state: { kind: 'BACKOFF', assignment: s.assignment, until: o.now + delay, restarts },
    actions: [
      { kind: 'report', level: 'error', message: `${what}${o.exitDescription ? ` (${o.exitDescription})` : ''}; restarting in ${Math.round(delay)} ms` },
      { kind: 'restarts', count: restarts },
    ],
  };
}

/** One step of the slot machine: the next state and the actions to perform. Pure but for its inputs. */
export function stepSlot(state: SlotState, o: SlotObservation, timeouts: SlotTimeouts): SlotStep {
  switch (state.kind) {
    case 'EMPTY':
      return fromEmpty(o);
    case 'WAITING_FOR_PACKAGE': {
      if (!same(state.assignment, o.desired)) return fromEmpty(o);
      if (o.spawnedPid !== undefined) return { state: { kind: 'STARTING', assignment: state.assignment, pid: o.spawnedPid, since: o.now }, actions: [] };
      if (o.packageReady) return { state, actions: [{ kind: 'start', assignment: state.assignment }] };
      return { state, actions: [] };
    }
    case 'STARTING': {
      if (!o.processAlive) return died(state, o, `worker for ${state.assignment.topologyId} exited while starting`, timeouts);
      if (!same(state.assignment, o.desired)) return kill(state, o, `assignment of ${state.assignment.topologyId} changed`, 'info');
      if (o.lastHeartbeat !== undefined && o.lastHeartbeat >= state.since)
        return { state: { kind: 'RUNNING', assignment: state.assignment, pid: state.pid, since: o.now }, actions: [{ kind: 'restarts', count: o.restarts }] };
      if (o.now - state.since > timeouts.startMs)
        return kill(state, o, `worker for ${state.assignment.topologyId} sent no heartbeat within ${timeouts.startMs / 1000}s of starting`, 'error');
      return { state, actions: [] };
    }
    case 'RUNNING': {
      if (!o.processAlive) return died(state, o, `worker for ${state.assignment.topologyId} died`, timeouts);
      if (!same(state.assignment, o.desired)) return kill(state, o, `assignment of ${state.assignment.topologyId} changed`, 'info');
      const last = o.lastHeartbeat ?? state.since;
      if (o.now - last > timeouts.heartbeatMs)
        return kill(state, o, `worker for ${state.assignment.topologyId} sent no heartbeat for ${timeouts.heartbeatMs / 1000}s`, 'error');
      // A worker that stays up a minute has recovered: later crashes start the backoff afresh.
      if (o.restarts > 0 && o.now - state.since > 60000) return { state, actions: [{ kind: 'restarts', count: 0 }] };
      return { state, actions: [] };
    }
    case 'KILLING': {
      if (!o.processAlive) return fromEmpty({ ...o, spawnedPid: undefined });
      if (!state.forced && o.now - state.since > timeouts.shutdownMs)
        return { state: { ...state, forced: true }, actions: [{ kind: 'signal', pid: state.pid, signal: 'SIGKILL' }] };
      return { state, actions: [] };
    }
    case 'BACKOFF': {
      if (!same(state.assignment, o.desired)) return fromEmpty(o);
      if (o.now < state.until) return { state, actions: [] };
      return fromEmpty(o);
    }
  }
}

/** The running worker's pid, if the state has one. */
export function slotPid(state: SlotState): number | undefined {
  return 'pid' in state ? state.pid : undefined;
}
