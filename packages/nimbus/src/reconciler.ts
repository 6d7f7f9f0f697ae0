import { computeLayout, type ExecutorSpec } from '@squall/api';
import { isSafeId } from '@squall/core';
import { VersionConflictError, type Assignment, type StormBase } from '@squall/cluster-state';
import { assignmentsEqual } from './assignment-equal';
import { toAssignment, workersOf } from './assignment-builder';
import { assignmentSignatureProblem, signAssignment } from '@squall/protocol';
import { clusterSecretOf, type NimbusContext } from './nimbus-context';
import { scheduleEven } from './scheduler';

/**
 * One pass of nimbus's control loop (leader only): finishes kills and rebalances whose wait is over, and keeps every
 * live topology assigned: new topologies scheduled, work of dead supervisors or long-dead workers moved to live slots.
 * Idempotent; every write is compare-and-set, so a pass racing another nimbus loses cleanly and the next pass retries.
 */
export async function reconcile(ctx: NimbusContext): Promise<void> {
  if (!ctx.leader.isLeader()) return;
  const now = Date.now();
  const supervisorTimeout = ctx.settings.supervisorTimeoutMs;
  const taskTimeout = ctx.settings.taskTimeoutMs;
  const supervisorIds = await ctx.cluster.listSupervisorIds();
  const supervisors = [];
  for (const id of supervisorIds) {
    const s = await ctx.cluster.getSupervisor(id);
    if (s && ctx.heartbeats.supervisorAlive(id, now, supervisorTimeout))
      supervisors.push({ id, host: s.value.host, ports: s.value.ports });
  }
  for (const id of ctx.heartbeats.supervisors.keys()) if (!supervisorIds.includes(id)) ctx.heartbeats.forget(id);

  const occupied = new Set<string>();
  const ids = (await ctx.cluster.listStormIds())
    .filter((id) => {
      if (isSafeId(id)) return true;
      const shown = JSON.stringify(String(id).slice(0, 100));
      ctx.log.error(
        { topology: shown },
        `ignoring topology ${shown} in ZooKeeper: not a safe id (someone else wrote it)`,
      );
      return false;
    })
    .sort();
  const assignments = new Map<string, Assignment>();
  for (const id of ids) {
    const a = await ctx.cluster.getAssignment(id);
    if (a) assignments.set(id, a.value);
  }
  // Slots of topologies that keep their assignment are taken before anything is (re)scheduled.
  for (const a of assignments.values()) for (const w of a.workers) occupied.add(`${w.supervisorId}:${w.port}`);

  for (const id of ids) {
    const storm = await ctx.cluster.getStorm(id);
    if (!storm) continue;
    const base = storm.value;
    try {
      if (base.status === 'KILLED') {
        if ((base.transitionAtMs ?? 0) <= now) await finishKill(ctx, id);
        continue;
      }
      let current = assignments.get(id);
      let target = base;
      let previous = current;
      if (base.status === 'REBALANCING' && (base.transitionAtMs ?? 0) <= now) {
        target = finishRebalance(base);
        previous = undefined;
      } else if (base.status === 'REBALANCING') continue;
      for (const w of current?.workers ?? []) occupied.delete(`${w.supervisorId}:${w.port}`);
      const record = ctx.packages.record(id);
      if (!record) {
        ctx.log.error({ topology: id }, `no package stored for ${id}: cannot schedule it`);
        continue;
      }
      const executors: ExecutorSpec[] = computeLayout(record.spec, record.conf, target.componentExecutors).executors;
      const dead = current ? ctx.heartbeats.deadSlots(id, current.workers, now, taskTimeout) : new Set<string>();
      const result = scheduleEven({
        executors,
        numWorkers: target.numWorkers,
        supervisors,
        occupied,
        previous: workersOf(previous),
        deadSlots: dead,
      });
      if (!result.ok) {
        ctx.log.warn({ topology: id }, `cannot schedule ${id}: ${result.reason}`);
        for (const w of current?.workers ?? []) occupied.add(`${w.supervisorId}:${w.port}`);
        continue;
      }
      // The digest nimbus signs is the one of the package it stores, never one read back from ZooKeeper.
      if (record.digest !== base.packageDigest)
        ctx.log.error(
          { topology: id },
          `the base of ${id} in ZooKeeper names package ${base.packageDigest}, but this nimbus stored ${record.digest}: assigning the stored one`,
        );
      const next: Assignment = {
        ...toAssignment(result.workers, current, Math.floor(now / 1000)),
        packageDigest: record.digest,
      };
      const secret = clusterSecretOf(ctx.conf);
      if (secret !== undefined) next.signature = signAssignment(secret, id, next);
      for (const w of next.workers) occupied.add(`${w.supervisorId}:${w.port}`);
      // An assignment whose signature does not hold (written by someone else, or before the secret was set) is rewritten.
      const untrusted = current && secret !== undefined ? assignmentSignatureProblem(secret, id, current) : undefined;
      if (untrusted) ctx.log.warn({ topology: id }, `rewriting the assignment of ${id}: ${untrusted}`);
      if (!current || !assignmentsEqual(current, next) || current.packageDigest !== record.digest || untrusted) {
        if (dead.size > 0)
          ctx.log.warn(
            { topology: id, dead: [...dead] },
            `reassigning ${id}: workers down longer than ${taskTimeout / 1000}s on ${[...dead].join(', ')}`,
          );
        await ctx.cluster.putAssignment(id, next, current ? 'any' : 'any');
        current = next;
        ctx.log.info(
          { topology: id, workers: next.workers.map((w) => `${w.host}:${w.port}`) },
          `assigned ${id} to ${next.workers.length} worker(s)`,
        );
      }
      if (target !== base) {
        await ctx.cluster.putStorm(id, target, storm.version);
        ctx.log.info({ topology: id }, `rebalanced ${id}: ${target.numWorkers} worker(s), status ${target.status}`);
      }
    } catch (err) {
      if (err instanceof VersionConflictError) continue;
      ctx.log.error({ topology: id, err }, `reconcile of ${id} failed: ${(err as Error).message}`);
    }
  }
  prunePackages(ctx, ids, now);
}

/** A package younger than this is never pruned: a submit stores its package before the topology exists in ZooKeeper. */
const PRUNE_GRACE_MS = 60_000;

/** Deletes stored packages of topologies ZooKeeper no longer has (killed while this nimbus was down, say). */
function prunePackages(ctx: NimbusContext, live: readonly string[], now: number): void {
  for (const id of ctx.packages.ids()) {
    if (live.includes(id) || now - (ctx.packages.recordTimeMs(id) ?? now) < PRUNE_GRACE_MS) continue;
    ctx.packages.remove(id);
    ctx.log.info({ topology: id }, `removed the stored package of ${id}: the topology is gone`);
  }
}

function finishRebalance(base: StormBase): StormBase {
  const r = base.rebalance ?? { waitSecs: 0 };
  const next: StormBase = {
    ...base,
    status: base.previousStatus ?? 'ACTIVE',
    numWorkers: r.numWorkers ?? base.numWorkers,
    componentExecutors: { ...base.componentExecutors, ...(r.componentExecutors ?? {}) },
  };
  delete next.rebalance;
  delete next.previousStatus;
  delete next.transitionAtMs;
  return next;
}

async function finishKill(ctx: NimbusContext, id: string): Promise<void> {
  await ctx.cluster.removeTopology(id);
  await ctx.cluster.removeBlob(id).catch(() => undefined);
  ctx.packages.remove(id);
  ctx.log.info({ topology: id }, `killed ${id}: workers stopped and package removed`);
}
