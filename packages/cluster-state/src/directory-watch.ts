import { decodeDocument } from './codec';
import type { Versioned } from './documents';
import { ClusterStateClosedError } from './errors';
import { decodeSegment } from './paths';
import { runOn, type StoreContext } from './store';
import { exists, getChildren, getData, type Watcher } from './zk-ops';

/**
 * Receives the full current contents of a watched directory, keyed by id, after every change. Snapshots are
 * immutable; a new Map is delivered each time.
 */
export type SnapshotListener<T> = (snapshot: ReadonlyMap<string, Versioned<T>>) => void;

/** A live watch; `close()` stops deliveries (ZooKeeper's one-shot watches left behind then fire into nothing). */
export interface Subscription {
  close(): void;
}

interface Entry<T> {
  readonly versioned: Versioned<T>;
  /** Changes on every write, and on re-creation (unlike the version), so it tells "same node" from "new node". */
  readonly mzxid: string;
}

/**
 * Watches a directory's children and each child's data, and delivers the whole set as a snapshot whenever something
 * changed. ZooKeeper watches are one-shot: every event re-arms the watch that fired by reading again with the same
 * watcher function (the client library de-duplicates by identity, so re-arming twice is harmless). Events are
 * coalesced: reads are serialised and a burst of changes yields one or a few snapshots, never a stale last one.
 */
export class DirectoryWatch<T> implements Subscription {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly dataWatchers = new Map<string, Watcher>();
  private readonly dirty = new Set<string>();
  private relist = true;
  private forceDelivery = true;
  private running = false;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  private readonly onChildrenChanged: Watcher = () => {
    this.relist = true;
    this.schedule();
  };

  constructor(
    private readonly ctx: StoreContext,
    private readonly dir: string,
    private readonly listener: SnapshotListener<T>,
    private readonly onClose: (watch: DirectoryWatch<T>) => void,
  ) {}

  /** Reads the directory and delivers the first snapshot (possibly empty). */
  start(): void {
    this.schedule();
  }

  /**
   * Re-reads everything and re-arms every watch. After a new session the old session's watches are gone, and the
   * listener gets a snapshot even if nothing changed; after a plain reconnect only a change is delivered.
   */
  rearm(newSession: boolean): Promise<void> {
    this.relist = true;
    for (const segment of this.entries.keys()) this.dirty.add(segment);
    if (newSession) this.forceDelivery = true;
    this.schedule();
    return this.idle();
  }

  /** Resolves once pending reads are done and the listener has the latest snapshot (or a refresh failed). */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private schedule(): void {
    if (this.running || this.closed) return;
    this.running = true;
    void this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (!this.closed && (this.relist || this.dirty.size > 0 || this.forceDelivery)) {
        const changed = await this.refresh();
        if (this.closed) return;
        if (changed || this.forceDelivery) {
          this.forceDelivery = false;
          this.deliver();
        }
      }
    } catch (error) {
      if (error instanceof ClusterStateClosedError) return;
      // Re-read in full when the connection comes back (rearm); until then the last snapshot stands.
      this.relist = true;
      for (const segment of this.entries.keys()) this.dirty.add(segment);
      this.ctx.logger.warn({ err: error, dir: this.dir }, 'watch refresh failed; retrying after reconnection');
    } finally {
      this.running = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private async refresh(): Promise<boolean> {
    let changed = false;
    if (this.relist) {
      this.relist = false;
      const children = await runOn(this.ctx, this.dir, async (client) => {
        const found = await getChildren(client, this.dir, this.onChildrenChanged);
        // If the directory itself is gone, wait for it to come back rather than losing the watch.
        if (!found) await exists(client, this.dir, this.onChildrenChanged);
        return found ?? [];
      });
      const present = new Set(children);
      for (const segment of [...this.entries.keys()]) {
        if (present.has(segment)) continue;
        this.entries.delete(segment);
        this.dataWatchers.delete(segment);
        this.dirty.delete(segment);
        changed = true;
      }
      for (const segment of children) if (!this.entries.has(segment)) this.dirty.add(segment);
    }
    for (const segment of [...this.dirty]) {
      this.dirty.delete(segment);
      if (await this.refreshChild(segment)) changed = true;
    }
    return changed;
  }

  private async refreshChild(segment: string): Promise<boolean> {
    const path = `${this.dir}/${segment}`;
    const found = await runOn(this.ctx, path, (client) => getData(client, path, this.dataWatcher(segment)));
    if (!found) {
      this.dataWatchers.delete(segment);
      return this.entries.delete(segment);
    }
    const mzxid = found.stat.mzxid.toString('hex');
    if (this.entries.get(segment)?.mzxid === mzxid) return false;
    try {
      this.entries.set(segment, {
        versioned: { value: decodeDocument<T>(path, found.data), version: found.stat.version },
        mzxid,
      });
    } catch (error) {
      this.ctx.logger.warn({ err: error, path }, 'ignoring unreadable node');
      return this.entries.delete(segment);
    }
    return true;
  }

  private dataWatcher(segment: string): Watcher {
    let watcher = this.dataWatchers.get(segment);
    if (!watcher) {
      watcher = () => {
        this.dirty.add(segment);
        this.schedule();
      };
      this.dataWatchers.set(segment, watcher);
    }
    return watcher;
  }

  private deliver(): void {
    const snapshot = new Map<string, Versioned<T>>();
    for (const [segment, entry] of [...this.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      snapshot.set(decodeSegment(segment), entry.versioned);
    }
    try {
      this.listener(snapshot);
    } catch (error) {
      this.ctx.logger.error({ err: error, dir: this.dir }, 'watch listener threw');
    }
  }
}
