import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { CreateMode, Exception, type Client } from 'node-zookeeper-client';
import { decodeDocument, encodeDocument } from './codec';
import { ClusterStateClosedError } from './errors';
import { runOn, type StoreContext } from './store';
import { create, exists, getChildren, getData, remove, zkErrorCode, type Watcher } from './zk-ops';

/** Events of a {@link LeaderCandidate}. */
export interface LeaderCandidateEvents {
  /** This candidate became the leader. */
  elected: [];
  /** This candidate stopped being the leader; `reason` says why (disconnected, session expired, withdrew...). */
  deposed: [reason: string];
}

/**
 * A nimbus's candidacy for leadership (`/leader-lock`). Leadership is dropped as soon as the connection is lost —
 * another nimbus may be elected while this one cannot see ZooKeeper — and regained after reconnection if this
 * candidate is still first in line. Candidacy survives session expiry (re-entered at the back of the line).
 */
export interface LeaderCandidate extends EventEmitter<LeaderCandidateEvents> {
  /** The address this candidate advertises, `host:port`. */
  readonly address: string;
  /** Whether this candidate is the leader right now (as far as it can know). */
  isLeader(): boolean;
  /** The current leader's address, or `null` if there are no candidates. */
  leaderAddress(): Promise<string | null>;
  /** Leaves the election (deleting the candidate node) and emits `deposed` if it was leader. Safe to call twice. */
  withdraw(): Promise<void>;
}

function sequenceOf(name: string): number {
  return Number(name.slice(name.lastIndexOf('_') + 1));
}

/** Candidate node names in election order. */
export function electionOrder(children: readonly string[]): string[] {
  return [...children].sort((a, b) => sequenceOf(a) - sequenceOf(b));
}

/** Reads the leader's address: the data of the first candidate; `null` without candidates. */
export async function readLeader(ctx: StoreContext): Promise<string | null> {
  const dir = ctx.paths.leaderLock;
  return runOn(ctx, dir, async (client) => {
    // The first candidate can vanish between the listing and the read; then the next one is the leader.
    for (;;) {
      const [first] = electionOrder((await getChildren(client, dir)) ?? []);
      if (!first) return null;
      const found = await getData(client, `${dir}/${first}`);
      if (found) return decodeDocument<{ address: string }>(`${dir}/${first}`, found.data).address;
    }
  });
}

/**
 * ZooKeeper's standard recipe: each candidate creates an ephemeral sequential node; the lowest is the leader; every
 * other watches only its predecessor, so a departure wakes one candidate instead of all (no herd effect).
 */
export class ZkLeaderCandidate extends EventEmitter<LeaderCandidateEvents> implements LeaderCandidate {
  // Lets the candidate find its own node after a connection loss hid the create's answer, instead of creating a
  // second one that would stand in its own way.
  private readonly tag = randomUUID();
  private node: string | null = null;
  private leader = false;
  private withdrawn = false;
  private checking = false;
  private recheck = false;
  private readonly detach: Array<() => void> = [];
  private readonly onPredecessorGone: Watcher = () => this.scheduleCheck();

  constructor(
    private readonly ctx: StoreContext,
    readonly address: string,
  ) {
    super();
    const { session } = ctx;
    const onDisconnected = (): void => this.setLeader(false, 'disconnected from ZooKeeper');
    const onExpired = (): void => this.setLeader(false, 'ZooKeeper session expired');
    const onReconnected = ({ newSession }: { newSession: boolean }): void => {
      if (!newSession) this.scheduleCheck();
    };
    session.on('disconnected', onDisconnected);
    session.on('expired', onExpired);
    session.on('reconnected', onReconnected);
    this.detach.push(
      () => session.off('disconnected', onDisconnected),
      () => session.off('expired', onExpired),
      () => session.off('reconnected', onReconnected),
      session.onNewSession(async () => {
        this.node = null;
        await this.check();
      }),
    );
  }

  /** Enters the election and resolves once this candidate knows whether it leads. */
  async join(): Promise<void> {
    await this.check();
  }

  isLeader(): boolean {
    return this.leader;
  }

  leaderAddress(): Promise<string | null> {
    return readLeader(this.ctx);
  }

  async withdraw(): Promise<void> {
    if (this.withdrawn) return;
    this.stop('withdrew from the election');
    const node = this.node;
    this.node = null;
    if (!node) return;
    const path = `${this.ctx.paths.leaderLock}/${node}`;
    await runOn(this.ctx, path, (client) =>
      remove(client, path, -1).catch((error: unknown) => {
        if (zkErrorCode(error) !== Exception.NO_NODE) throw error;
      }),
    ).catch((error: unknown) => {
      if (!(error instanceof ClusterStateClosedError)) throw error;
    });
  }

  /** Stops taking part without deleting the node (it goes with the session being closed); emits `deposed`. */
  stop(reason: string): void {
    this.withdrawn = true;
    for (const detach of this.detach.splice(0)) detach();
    this.setLeader(false, reason);
  }

  private setLeader(leader: boolean, reason = ''): void {
    if (this.leader === leader) return;
    this.leader = leader;
    this.ctx.logger.info({ address: this.address, leader, reason }, leader ? 'elected leader' : 'no longer leader');
    if (leader) this.emit('elected');
    else this.emit('deposed', reason);
  }

  private scheduleCheck(): void {
    if (this.withdrawn) return;
    this.check().catch((error: unknown) => {
      if (error instanceof ClusterStateClosedError) return;
      this.ctx.logger.warn({ err: error }, 'leader election check failed; retrying after reconnection');
    });
  }

  private async check(): Promise<void> {
    if (this.checking) {
      this.recheck = true;
      return;
    }
    this.checking = true;
    try {
      do {
        this.recheck = false;
        if (!this.withdrawn) await this.checkOnce();
      } while (this.recheck);
    } finally {
      this.checking = false;
    }
  }

  private async checkOnce(): Promise<void> {
    const dir = this.ctx.paths.leaderLock;
    await runOn(this.ctx, dir, async (client) => {
      for (;;) {
        const order = electionOrder((await getChildren(client, dir)) ?? []);
        const mine = this.node ?? order.find((name) => name.startsWith(`${this.tag}-`)) ?? null;
        if (!mine || !order.includes(mine)) {
          this.node = await this.createNode(client);
          continue;
        }
        this.node = mine;
        const index = order.indexOf(mine);
        if (index === 0) return this.setLeader(true);
        this.setLeader(false, 'another candidate leads');
        // If the predecessor is already gone, look again rather than wait for an event that will not come.
        if (await exists(client, `${dir}/${order[index - 1]}`, this.onPredecessorGone)) return;
      }
    });
  }

  private async createNode(client: Client): Promise<string> {
    const created = await create(
      client,
      this.ctx.paths.candidatePrefix(this.tag),
      encodeDocument({ address: this.address }),
      this.ctx.acl,
      CreateMode.EPHEMERAL_SEQUENTIAL,
    );
    return created.slice(created.lastIndexOf('/') + 1);
  }
}
