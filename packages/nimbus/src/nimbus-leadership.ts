import { EventEmitter } from 'node:events';
import type { Logger } from '@squall/core';
import type { ClusterState, LeaderCandidate, LeaderCandidateEvents } from '@squall/cluster-state';
import type { MissingPackage, PackageReplicator } from './package-replicator';

/** How many times in a row a nimbus hands leadership on to one that holds packages it lacks, before it takes over anyway. */
const MAX_YIELDS = 3;

/**
 * Leadership that is only taken with every live topology's package in hand. ZooKeeper's election decides who is first
 * in line; when this nimbus is first, it copies what it lacks from the nimbuses that advertise it, and only then calls
 * itself leader (`isLeader()`, `elected`). If a copy exists elsewhere but cannot be fetched, it leaves the line and
 * re-enters at the back so a nimbus holding everything can lead (at most {@link MAX_YIELDS} times in a row). If no live
 * nimbus holds a package at all, waiting would deadlock the cluster: it takes leadership and reports each lost package
 * as an error of its topology (`__nimbus`), telling the operator to resubmit it.
 */
export class NimbusLeadership extends EventEmitter<LeaderCandidateEvents> implements LeaderCandidate {
  private inner!: LeaderCandidate;
  private confirmed = false;
  private checking = false;
  private yields = 0;
  private withdrawn = false;

  private constructor(
    private readonly cluster: ClusterState,
    readonly address: string,
    private readonly replicator: PackageReplicator,
    private readonly log: Logger,
  ) {
    super();
  }

  /** Joins the election; resolves once the first outcome is known (a package check may still be running). */
  static async create(
    cluster: ClusterState,
    address: string,
    replicator: PackageReplicator,
    log: Logger,
  ): Promise<NimbusLeadership> {
    const l = new NimbusLeadership(cluster, address, replicator, log);
    await l.join();
    return l;
  }

  isLeader(): boolean {
    return this.confirmed && this.inner.isLeader();
  }

  leaderAddress(): Promise<string | null> {
    return this.cluster.getLeader();
  }

  async withdraw(): Promise<void> {
    this.withdrawn = true;
    this.setConfirmed(false, 'withdrew from the election');
    await this.inner.withdraw();
  }

  private async join(): Promise<void> {
    const inner = await this.cluster.joinLeaderElection(this.address);
    this.inner = inner;
    inner.on('elected', () => void this.onFirstInLine(inner));
    inner.on('deposed', (reason) => {
      if (inner === this.inner) this.setConfirmed(false, reason);
    });
    // The first outcome may have been decided inside joinLeaderElection, before the listeners existed.
    if (inner.isLeader()) void this.onFirstInLine(inner);
  }

  private setConfirmed(leader: boolean, reason = ''): void {
    if (this.confirmed === leader) return;
    this.confirmed = leader;
    if (leader) this.emit('elected');
    else this.emit('deposed', reason);
  }

  private async onFirstInLine(inner: LeaderCandidate): Promise<void> {
    if (this.checking || this.confirmed) return;
    this.checking = true;
    try {
      let missing: MissingPackage[];
      try {
        missing = await this.replicator.ensureAll();
      } catch (err) {
        this.log.warn(
          { err },
          `could not check packages before taking leadership: ${(err as Error).message}; taking it anyway`,
        );
        missing = [];
      }
      if (this.withdrawn || inner !== this.inner || !inner.isLeader()) return;
      const elsewhere = missing.filter((m) => m.holders.length > 0);
      if (elsewhere.length > 0 && this.yields < MAX_YIELDS) {
        this.yields++;
        const list = elsewhere.map((m) => `${m.topologyId} (held by ${m.holders.join(', ')})`).join('; ');
        this.log.warn(
          { missing: elsewhere },
          `first in line for leadership but missing packages that other nimbuses hold: ${list}; re-entering the election behind them`,
        );
        await inner.withdraw();
        await this.join();
        return;
      }
      for (const m of missing) {
        const message =
          m.holders.length > 0
            ? `nimbus ${this.address} leads without the package of ${m.topologyId} (sha256 ${m.digest}): copying it from ${m.holders.join(', ')} keeps failing`
            : `the package of ${m.topologyId} (sha256 ${m.digest}) is lost: no live nimbus holds a copy; its workers keep running where they are, but it cannot be rescheduled; kill and resubmit it`;
        this.log.error({ topology: m.topologyId }, message);
        await this.cluster
          .reportError(m.topologyId, '__nimbus', {
            timeSecs: Math.floor(Date.now() / 1000),
            message,
            host: this.address,
            port: 0,
            task: -1,
          })
          .catch((err: unknown) => this.log.warn({ err }, 'could not record the missing-package error'));
      }
      this.yields = 0;
      this.setConfirmed(true);
    } finally {
      this.checking = false;
    }
    // Leadership may have moved while checking; look again.
    if (!this.confirmed && !this.withdrawn && this.inner.isLeader()) void this.onFirstInLine(this.inner);
  }
}
