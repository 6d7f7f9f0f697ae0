import type { ExecutorStatsSnapshot } from '@squall/stats';
import { executorStatsFromProto } from '@squall/stats/wire';
import { pb } from '@squall/protocol';

/** What nimbus last heard of a supervisor. */
export interface SupervisorHealth {
  id: string;
  host: string;
  ports: number[];
  usedPorts: number[];
  uptimeSecs: number;
  version: string;
  lastMs: number;
  /** Port of the supervisor's gRPC service (worker logs); 0 if it did not say. */
  servicePort: number;
}

/** What nimbus last heard of a worker slot. */
export interface SlotHealth {
  topologyId: string;
  supervisorId: string;
  port: number;
  status: pb.WorkerStatus;
  pid: number;
  uptimeSecs: number;
  lastHeartbeatMs: number;
  executors: ExecutorStatsSnapshot[];
}

const slotKey = (supervisorId: string, port: number) => `${supervisorId}:${port}`;

/**
 * Supervisor heartbeats as nimbus sees them: supervisor liveness, each worker's status and latest statistics, and how
 * long an assigned slot has not been running (for reassignment after nimbus.task.timeout.secs). In memory: after a
 * nimbus restart it refills within one heartbeat period.
 */
export class HeartbeatTracker {
  readonly supervisors = new Map<string, SupervisorHealth>();
  private readonly slots = new Map<string, SlotHealth>();
  private readonly notRunningSince = new Map<string, number>();

  /** Records a heartbeat; returns the errors it carried, per topology, for nimbus to persist. */
  record(req: pb.ISupervisorHeartbeatRequest, now: number): Array<{ topologyId: string; error: pb.IErrorInfo }> {
    const id = req.supervisorId ?? '';
    this.supervisors.set(id, {
      id,
      host: req.host ?? '',
      ports: (req.ports ?? []).map(Number),
      usedPorts: (req.usedPorts ?? []).map(Number),
      uptimeSecs: Number(req.uptimeSecs ?? 0),
      version: req.version ?? '',
      lastMs: now,
      servicePort: Number(req.servicePort ?? 0),
    });
    for (const [k, s] of this.slots) if (s.supervisorId === id) this.slots.delete(k);
    const errors: Array<{ topologyId: string; error: pb.IErrorInfo }> = [];
    for (const w of req.workers ?? []) {
      const port = Number(w.port ?? 0);
      this.slots.set(slotKey(id, port), {
        topologyId: w.topologyId ?? '',
        supervisorId: id,
        port,
        status: w.status ?? pb.WorkerStatus.WORKER_STATUS_UNSPECIFIED,
        pid: Number(w.pid ?? 0),
        uptimeSecs: Number(w.uptimeSecs ?? 0),
        lastHeartbeatMs: Number(w.lastHeartbeatMs ?? 0),
        executors: (w.executors ?? []).map(executorStatsFromProto),
      });
      for (const e of w.errors ?? []) errors.push({ topologyId: w.topologyId ?? '', error: e });
    }
    return errors;
  }

  /** Whether a supervisor heartbeated within `timeoutMs` (unknown ones count as alive: ZooKeeper says so). */
  supervisorAlive(id: string, now: number, timeoutMs: number): boolean {
    const s = this.supervisors.get(id);
    return !s || now - s.lastMs <= timeoutMs;
  }

  /** Forgets a supervisor (its ZooKeeper node is gone). */
  forget(id: string): void {
    this.supervisors.delete(id);
    for (const [k, s] of this.slots) if (s.supervisorId === id) this.slots.delete(k);
  }

  /** The slot's health if it runs `topologyId`. */
  slot(topologyId: string, supervisorId: string, port: number): SlotHealth | undefined {
    const s = this.slots.get(slotKey(supervisorId, port));
    return s && s.topologyId === topologyId ? s : undefined;
  }

  /**
   * Slots assigned to `topologyId` whose worker has not been running for longer than `timeoutMs` (counted from when it
   * was assigned or last seen running).
   */
  deadSlots(
    topologyId: string,
    workers: ReadonlyArray<{ supervisorId: string; port: number }>,
    now: number,
    timeoutMs: number,
  ): Set<string> {
    const dead = new Set<string>();
    for (const w of workers) {
      const key = `${topologyId}@${slotKey(w.supervisorId, w.port)}`;
      const s = this.slot(topologyId, w.supervisorId, w.port);
      if (s && s.status === pb.WorkerStatus.WORKER_STATUS_RUNNING) {
        this.notRunningSince.delete(key);
        continue;
      }
      const since = this.notRunningSince.get(key) ?? now;
      this.notRunningSince.set(key, since);
      if (now - since > timeoutMs) dead.add(slotKey(w.supervisorId, w.port));
    }
    // A slot the topology left forgets when it stopped running there: assigned there again later (a worker that is
    // slow to start moved back and forth), it gets a full timeout again instead of being dead at once.
    const assigned = new Set(workers.map((w) => `${topologyId}@${slotKey(w.supervisorId, w.port)}`));
    for (const key of this.notRunningSince.keys())
      if (key.startsWith(`${topologyId}@`) && !assigned.has(key)) this.notRunningSince.delete(key);
    return dead;
  }

  /** Latest statistics of every executor of `topologyId` on the given slots. */
  executorStats(
    topologyId: string,
    workers: ReadonlyArray<{ supervisorId: string; port: number }>,
  ): ExecutorStatsSnapshot[] {
    return workers.flatMap((w) => this.slot(topologyId, w.supervisorId, w.port)?.executors ?? []);
  }
}
