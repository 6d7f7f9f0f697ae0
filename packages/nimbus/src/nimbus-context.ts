import { isSafeId, type Config, type Logger } from '@squall/core';
import type { ClusterState, LeaderCandidate, StormBase, Versioned } from '@squall/cluster-state';
import type { HeartbeatTracker } from './heartbeat-tracker';
import type { NimbusSettings } from './nimbus-settings';
import type { PackageStore } from './package-store';
import type { StatsWindows } from '@squall/stats';
import type { SupervisorCalls } from './supervisor-calls';

/** What nimbus's parts share: configuration, the cluster state, the package store and live views. */
export interface NimbusContext {
  readonly conf: Config;
  /** Nimbus's own settings, parsed once from `conf`. */
  readonly settings: NimbusSettings;
  readonly log: Logger;
  readonly cluster: ClusterState;
  readonly packages: PackageStore;
  readonly heartbeats: HeartbeatTracker;
  /** Windowed statistics (10 min, 3 h, 1 day, all time) from the heartbeats' cumulative counters. */
  readonly windows: StatsWindows;
  /** "host:port" of this nimbus. */
  readonly address: string;
  readonly startedMs: number;
  readonly leader: LeaderCandidate;
  /** Nimbus's calls to supervisors (worker logs). */
  readonly supervisorCalls: SupervisorCalls;
  /** Runs the reconciler soon (after a change); resolves when that run finished. */
  reconcileSoon(): Promise<void>;
}

/** The running (not killed) topology named `nameOrId` (or with that id), with its id. */
export async function findTopology(
  ctx: NimbusContext,
  nameOrId: string,
  includeKilled = false,
): Promise<{ id: string; storm: Versioned<StormBase> } | undefined> {
  if (!isSafeId(nameOrId)) return undefined;
  const direct = await ctx.cluster.getStorm(nameOrId).catch(() => null);
  if (direct && (includeKilled || direct.value.status !== 'KILLED')) return { id: nameOrId, storm: direct };
  for (const id of await ctx.cluster.listStormIds()) {
    const s = await ctx.cluster.getStorm(id);
    if (s && isSafeId(id) && s.value.name === nameOrId && (includeKilled || s.value.status !== 'KILLED'))
      return { id, storm: s };
  }
  return undefined;
}

export { clusterSecretOf, secretOf, tokenOf } from '@squall/core';
