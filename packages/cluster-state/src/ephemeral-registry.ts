import { CreateMode, Exception, type Client } from 'node-zookeeper-client';
import { encodeDocument } from './codec';
import { VersionConflictError } from './errors';
import { ensurePath, runOn, type StoreContext } from './store';
import { create, exists, remove, setData, zkErrorCode } from './zk-ops';

/**
 * The ephemeral nodes this process owns (supervisor and nimbus registrations, blob replicas), remembered with their
 * latest data so that they are re-created when a new session replaces an expired one: ZooKeeper deleted them with
 * the old session, and a supervisor that silently vanished would have its workers rescheduled.
 */
export class EphemeralRegistry {
  private readonly nodes = new Map<string, Buffer>();
  private readonly detach: () => void;

  constructor(private readonly ctx: StoreContext) {
    this.detach = ctx.session.onNewSession(() => this.restoreAll());
  }

  /** Creates or updates the ephemeral node at `path` with `value`, and keeps it registered. */
  async put(path: string, value: object): Promise<void> {
    const data = encodeDocument(value);
    this.nodes.set(path, data);
    await runOn(this.ctx, path, (client) => this.write(client, path, data));
  }

  /** Deletes the node at `path` and stops re-registering it; resolves `false` if it was already gone. */
  async delete(path: string): Promise<boolean> {
    this.nodes.delete(path);
    return runOn(this.ctx, path, async (client) => {
      try {
        await remove(client, path, -1);
        return true;
      } catch (error) {
        if (zkErrorCode(error) === Exception.NO_NODE) return false;
        throw error;
      }
    });
  }

  /** Whether `path` is registered by this process. */
  has(path: string): boolean {
    return this.nodes.has(path);
  }

  /** Forgets every registration (their nodes go with the session on close). */
  dispose(): void {
    this.detach();
    this.nodes.clear();
  }

  private async restoreAll(): Promise<void> {
    for (const [path, data] of this.nodes) {
      try {
        await runOn(this.ctx, path, (client) => this.write(client, path, data));
        this.ctx.logger.info({ path }, 're-registered ephemeral node on the new session');
      } catch (error) {
        this.ctx.logger.error({ err: error, path }, 'could not re-register ephemeral node');
      }
    }
  }

  private async write(client: Client, path: string, data: Buffer): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        await create(client, path, data, this.ctx.acl, CreateMode.EPHEMERAL);
        return;
      } catch (error) {
        const code = zkErrorCode(error);
        if (code === Exception.NO_NODE) {
          await ensurePath(client, path.slice(0, path.lastIndexOf('/')), this.ctx.acl);
          continue;
        }
        if (code !== Exception.NODE_EXISTS) throw error;
      }
      const stat = await exists(client, path);
      if (!stat) continue;
      if (stat.ephemeralOwner.equals(client.getSessionId())) {
        await setData(client, path, data, -1);
        return;
      }
      // Left by a previous session (this process restarted, or its last session has not timed out yet): it would
      // vanish under us when that session ends, so replace it now.
      this.ctx.logger.info({ path }, 'replacing an ephemeral node left by an older session');
      await remove(client, path, stat.version).catch((error: unknown) => {
        const removeCode = zkErrorCode(error);
        if (removeCode !== Exception.NO_NODE && removeCode !== Exception.BAD_VERSION) throw error;
      });
    }
    throw new VersionConflictError(path, 'absent');
  }
}
