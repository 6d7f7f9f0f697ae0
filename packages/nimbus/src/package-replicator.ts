import { configMs, isSafeId, type Config, type Logger } from '@squall/core';
import type { ClusterState, StormBase, Subscription, Versioned } from '@squall/cluster-state';
import { createNimbusClient, downloadVerifiedPackage, tlsFilesFromConfig, type NimbusClient } from '@squall/protocol';
import { clusterSecretOf } from './nimbus-context';
import type { PackageStore, TopologyRecord } from './package-store';
import { CoalescingRunner } from './coalescing-runner';

/** A live topology whose package this nimbus does not hold, and the live nimbuses that advertise a copy. */
export interface MissingPackage {
  topologyId: string;
  digest: string;
  holders: string[];
}

/** What the replicator needs of its nimbus. */
export interface PackageReplicatorOptions {
  conf: Config;
  log: Logger;
  cluster: ClusterState;
  packages: PackageStore;
  /** This nimbus, `host:port`; never asked for a copy. */
  address: string;
}

/** A record younger than this is never pruned (a submit writes its package before the topology exists in ZooKeeper). */
const PRUNE_GRACE_MS = 60_000;

/**
 * Keeps this nimbus's package store complete for HA: every live (not killed) topology's package is copied from a nimbus
 * that advertises it (the leader first) with DownloadPackage, verified against the digest in the topology's base, stored
 * with its record (secret included), and advertised in ZooKeeper so the cluster knows who can take over. Runs on every
 * change of the topologies and every `nimbus.monitor.freq.secs`; failures are logged and retried on the next pass.
 */
export class PackageReplicator {
  private readonly subscriptions: Subscription[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly passes = new CoalescingRunner(
    () => this.syncOnce(),
    (err) => this.opts.log.warn({ err }, `package replication pass failed: ${(err as Error).message}`),
  );
  private readonly advertised = new Set<string>();
  /** `squall.cluster.secret`: DownloadPackage is a daemon call, and the header it answers is checked with it. */
  private readonly clusterSecret: string | undefined;
  /** Whether this nimbus leads; known from {@link start}. Until then nothing is pruned. */
  private isLeader: () => boolean = () => true;

  constructor(private readonly opts: PackageReplicatorOptions) {
    this.clusterSecret = clusterSecretOf(opts.conf);
  }

  /**
   * Starts watching topologies and replicating; `isLeader` says whether this nimbus leads right now (a leader never
   * deletes packages: it may be mid-submit; a standby prunes those of topologies gone).
   */
  start(isLeader: () => boolean): void {
    this.isLeader = isLeader;
    this.subscriptions.push(this.opts.cluster.watchStorms(() => void this.syncSoon()));
    this.timer = setInterval(() => void this.syncSoon(), configMs(this.opts.conf, 'nimbus.monitor.freq.secs'));
    void this.syncSoon();
  }

  /** Runs a replication pass now, or right after the one in progress; resolves when it is done. */
  syncSoon(): Promise<void> {
    return this.passes.run();
  }

  /**
   * Copies every missing package it can and returns those still missing (with who advertises them). Used by the
   * leadership gate before this nimbus takes over.
   */
  async ensureAll(): Promise<MissingPackage[]> {
    await this.syncSoon();
    return this.missing();
  }

  /** Live topologies whose package this nimbus lacks, with the live nimbuses advertising a copy. */
  async missing(): Promise<MissingPackage[]> {
    const out: MissingPackage[] = [];
    for (const [id, storm] of await this.liveStorms()) {
      if (this.holds(id, storm.value.packageDigest)) continue;
      const holders = (await this.opts.cluster.getBlobReplicas(id).catch(() => []))
        .filter((r) => r.nimbusId !== this.opts.address && r.digest === storm.value.packageDigest)
        .map((r) => r.nimbusId);
      out.push({ topologyId: id, digest: storm.value.packageDigest, holders });
    }
    return out;
  }

  /** Stops watching; a pass in progress finishes. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const s of this.subscriptions.splice(0)) s.close();
    await this.passes.stop();
  }

  private holds(id: string, digest: string): boolean {
    const rec = this.opts.packages.record(id);
    return rec !== undefined && rec.digest === digest && this.opts.packages.verify(id);
  }

  private async liveStorms(): Promise<Map<string, Versioned<StormBase>>> {
    const out = new Map<string, Versioned<StormBase>>();
    for (const id of await this.opts.cluster.listStormIds()) {
      if (!isSafeId(id)) continue;
      const s = await this.opts.cluster.getStorm(id);
      if (s && s.value.status !== 'KILLED') out.set(id, s);
    }
    return out;
  }

  private async syncOnce(): Promise<void> {
    const { cluster, packages, log, address } = this.opts;
    const storms = await this.liveStorms();
    for (const [id, storm] of storms) {
      if (this.passes.isStopped) return;
      const digest = storm.value.packageDigest;
      if (!this.holds(id, digest)) {
        const leader = await cluster.getLeader();
        const replicas = (await cluster.getBlobReplicas(id)).filter((r) => r.digest === digest).map((r) => r.nimbusId);
        const sources = [...new Set([...(leader && replicas.includes(leader) ? [leader] : []), ...replicas])].filter(
          (a) => a !== address,
        );
        if (sources.length === 0) {
          log.debug({ topology: id }, `no live nimbus advertises the package of ${id} yet`);
          continue;
        }
        let copied = false;
        for (const source of sources) {
          try {
            const started = Date.now();
            const size = await this.copyFrom(source, id, digest);
            log.info(
              { topology: id, from: source, bytes: size, ms: Date.now() - started },
              `replicated the package of ${id} from ${source}`,
            );
            copied = true;
            break;
          } catch (err) {
            log.warn(
              { topology: id, from: source, err },
              `could not copy the package of ${id} from ${source}: ${(err as Error).message}`,
            );
          }
        }
        if (!copied) continue;
      }
      if (!this.advertised.has(`${id}@${digest}`)) {
        const rec = packages.record(id)!;
        await cluster.advertiseBlob(id, { nimbusId: address, digest, sizeBytes: rec.size });
        this.advertised.add(`${id}@${digest}`);
      }
    }
    if (this.isLeader()) return;
    for (const id of packages.ids()) {
      if (storms.has(id) || (await cluster.getStorm(id))) continue;
      if (Date.now() - (packages.recordTimeMs(id) ?? 0) < PRUNE_GRACE_MS) continue;
      packages.remove(id);
      log.info({ topology: id }, `removed the replicated package of ${id}: the topology is gone`);
    }
  }

  /** Downloads a package from `source`, verifies size and sha256 against `digest`, and stores it; returns its size. */
  private async copyFrom(source: string, id: string, digest: string): Promise<number> {
    const client: NimbusClient = createNimbusClient(source, {
      clusterSecret: this.clusterSecret,
      tls: tlsFilesFromConfig(this.opts.conf),
    });
    try {
      const { bytes, topologyJson } = await downloadVerifiedPackage(client, id, digest, {
        timeoutMs: 120_000,
        clusterSecret: this.clusterSecret,
      });
      const t = JSON.parse(topologyJson) as Pick<TopologyRecord, 'topologyId' | 'spec' | 'conf' | 'secret'>;
      if (typeof t.secret !== 'string') throw new Error('its topology record holds no secret');
      this.opts.packages.saveReplica(
        { topologyId: id, spec: t.spec, conf: t.conf, secret: t.secret, digest, size: bytes.length },
        bytes,
      );
      return bytes.length;
    } finally {
      client.close();
    }
  }
}
