import type { ExecutorSpec } from '@squall/api';

/** A free or used slot on a live supervisor. */
export interface SlotInfo {
  supervisorId: string;
  host: string;
  port: number;
}

/** A worker in a schedule: its slot and the executors it runs. */
export interface ScheduledWorker extends SlotInfo {
  executors: ExecutorSpec[];
}

/** Input of {@link scheduleEven}. */
export interface ScheduleInput {
  /** Every executor of the topology (from its task layout). */
  executors: readonly ExecutorSpec[];
  /** Requested worker count (`topology.workers`). */
  numWorkers: number;
  /** Live supervisors and the ports they offer. */
  supervisors: ReadonlyArray<{ id: string; host: string; ports: readonly number[] }>;
  /** Slots taken by other topologies (`supervisorId:port`). */
  occupied: ReadonlySet<string>;
  /** The topology's current workers; those still on live slots keep their executors where possible. */
  previous?: readonly ScheduledWorker[];
  /** Slots known dead (worker down past its timeout) even though their supervisor is alive. */
  deadSlots?: ReadonlySet<string>;
}

/** The result: workers with executors, or why none could be made. */
export type ScheduleResult = { ok: true; workers: ScheduledWorker[]; changed: boolean } | { ok: false; reason: string };

const slotKey = (s: { supervisorId: string; port: number }): string => `${s.supervisorId}:${s.port}`;
const execKey = (e: ExecutorSpec): string => `${e.component}[${e.startTask}-${e.endTask}]`;

/**
 * Storm's even scheduler, made stable: workers on slots that are still alive keep their executors, executors of lost
 * workers go to new slots (spread over supervisors round-robin, emptiest first) or, when no slot is free, to the
 * surviving workers; a new topology, or one whose executor set or worker count changed (rebalance), is laid out from
 * scratch, executors dealt round-robin over `min(numWorkers, free slots)` workers.
 */
export function scheduleEven(input: ScheduleInput): ScheduleResult {
  const dead = input.deadSlots ?? new Set<string>();
  const live = new Map<string, SlotInfo>();
  for (const s of input.supervisors)
    for (const port of s.ports)
      live.set(slotKey({ supervisorId: s.id, port }), { supervisorId: s.id, host: s.host, port });
  const usable = (k: string) => live.has(k) && !dead.has(k) && !input.occupied.has(k);

  const wanted = new Set(input.executors.map(execKey));
  const previous = input.previous ?? [];
  const previousExecs = new Set(previous.flatMap((w) => w.executors.map(execKey)));
  // Keep the layout while its executors are the wanted ones and it has no more workers than asked for (it may have
  // fewer when slots were short at submit; a rebalance spreads it out again).
  const keep =
    previous.length > 0 &&
    previous.length <= input.numWorkers &&
    previousExecs.size === wanted.size &&
    [...wanted].every((k) => previousExecs.has(k));
  if (keep) {
    const survivors = previous.filter((w) => usable(slotKey(w)));
    if (survivors.length === previous.length)
      return { ok: true, workers: previous.map((w) => ({ ...w, executors: [...w.executors] })), changed: false };
    return repair(previous, survivors);
  }
  return fresh();

  function freeSlots(exclude: ReadonlySet<string>): SlotInfo[] {
    // Round-robin over supervisors, emptiest first, so workers spread across hosts.
    const bySup = new Map<string, SlotInfo[]>();
    for (const [k, s] of live)
      if (usable(k) && !exclude.has(k)) bySup.set(s.supervisorId, [...(bySup.get(s.supervisorId) ?? []), s]);
    const queues = [...bySup.values()]
      .map((l) => l.sort((a, b) => a.port - b.port))
      .sort((a, b) => b.length - a.length || (a[0]!.supervisorId < b[0]!.supervisorId ? -1 : 1));
    const out: SlotInfo[] = [];
    for (let round = 0; queues.some((q) => q.length > round); round++)
      for (const q of queues) if (q[round]) out.push(q[round]!);
    return out;
  }

  function fresh(): ScheduleResult {
    const slots = freeSlots(new Set()).slice(0, input.numWorkers);
    if (slots.length === 0) return { ok: false, reason: noSlotsReason() };
    const workers: ScheduledWorker[] = slots.map((s) => ({ ...s, executors: [] }));
    const sorted = [...input.executors].sort((a, b) =>
      a.component < b.component ? -1 : a.component > b.component ? 1 : a.startTask - b.startTask,
    );
    sorted.forEach((e, i) => workers[i % workers.length]!.executors.push(e));
    return { ok: true, workers, changed: true };
  }

  function repair(all: readonly ScheduledWorker[], survivors: readonly ScheduledWorker[]): ScheduleResult {
    const lost = all.filter((w) => !survivors.includes(w));
    const replacements = freeSlots(new Set(survivors.map(slotKey))).slice(0, lost.length);
    const workers: ScheduledWorker[] = survivors.map((w) => ({ ...w, executors: [...w.executors] }));
    const orphans = lost.flatMap((w) => w.executors);
    if (replacements.length === lost.length) {
      lost.forEach((w, i) => workers.push({ ...replacements[i]!, executors: [...w.executors] }));
    } else {
      const targets = [...workers, ...replacements.map((s) => ({ ...s, executors: [] as ExecutorSpec[] }))];
      if (targets.length === 0) return { ok: false, reason: noSlotsReason() };
      if (targets.length > workers.length) workers.push(...targets.slice(workers.length));
      orphans.forEach((e, i) => targets[i % targets.length]!.executors.push(e));
    }
    return { ok: true, workers: workers.filter((w) => w.executors.length > 0), changed: true };
  }

  function noSlotsReason(): string {
    if (input.supervisors.length === 0) return 'no live supervisors';
    return `no free slots (${live.size} slots on ${input.supervisors.length} supervisor(s), all in use or down)`;
  }
}
