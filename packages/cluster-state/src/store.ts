import { CreateMode, Exception, type ACL, type Client } from 'node-zookeeper-client';
import type { Logger } from 'pino';
import { decodeDocument, encodeDocument } from './codec';
import type { ExpectedVersion, Versioned } from './documents';
import { ClusterStateError, NotAuthorizedError, VersionConflictError, ZooKeeperError } from './errors';
import type { ClusterPaths } from './paths';
import { decodeSegment } from './paths';
import { create, getChildren, getData, remove, setData, zkErrorCode, zkErrorName } from './zk-ops';
import type { ZkSession } from './zk-session';

/** What the stores share: the session, the layout, the ACL for new nodes and the logger. */
export interface StoreContext {
  readonly session: ZkSession;
  readonly paths: ClusterPaths;
  readonly acl: ACL[];
  readonly logger: Logger;
}

/** Maps a client-library exception to this package's errors; passes this package's own errors through. */
export function toClusterStateError(error: unknown, path: string): Error {
  if (error instanceof ClusterStateError) return error;
  const code = zkErrorCode(error);
  if (code === undefined) return error instanceof Error ? error : new Error(String(error));
  if (code === Exception.NO_AUTH) return new NotAuthorizedError(path, { cause: error });
  return new ZooKeeperError(path, code, zkErrorName(error), { cause: error });
}

/** Runs `op` on the session and maps failures to typed errors naming `path`. */
export async function runOn<T>(ctx: StoreContext, path: string, op: (client: Client) => Promise<T>): Promise<T> {
  try {
    return await ctx.session.run(op);
  } catch (error) {
    throw toClusterStateError(error, path);
  }
}

/** Creates `path` and any missing parents (parents get `acl` too); an existing node is fine. */
export async function ensurePath(client: Client, path: string, acl: ACL[], parentAcl: ACL[] = acl): Promise<void> {
  let current = '';
  const parts = path.split('/').filter(Boolean);
  for (const [index, part] of parts.entries()) {
    current += `/${part}`;
    try {
      await create(client, current, null, index === parts.length - 1 ? acl : parentAcl, CreateMode.PERSISTENT);
    } catch (error) {
      if (zkErrorCode(error) !== Exception.NODE_EXISTS) throw error;
    }
  }
}

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/')) || '/';
}

/** Reads and decodes the document at `path`, or `null` if there is none. */
export async function readDocument<T>(ctx: StoreContext, path: string): Promise<Versioned<T> | null> {
  const found = await runOn(ctx, path, (client) => getData(client, path));
  return found ? { value: decodeDocument<T>(path, found.data), version: found.stat.version } : null;
}

/**
 * Writes a document under the precondition `expected` (see {@link ExpectedVersion}) and resolves with the node's new
 * version. A missing parent is created (a topology's first error, a blob's first replica). Throws
 * {@link VersionConflictError} when the precondition fails.
 */
export async function writeDocument(
  ctx: StoreContext,
  path: string,
  value: object,
  expected: ExpectedVersion,
): Promise<number> {
  const data = encodeDocument(value);
  return runOn(ctx, path, async (client) => {
    for (;;) {
      try {
        if (typeof expected === 'number') return (await setData(client, path, data, expected)).version;
        if (expected === 'any') {
          const stat = await setData(client, path, data, -1).catch((error: unknown) => {
            if (zkErrorCode(error) === Exception.NO_NODE) return null;
            throw error;
          });
          if (stat) return stat.version;
        }
        await create(client, path, data, ctx.acl, CreateMode.PERSISTENT);
        return 0;
      } catch (error) {
        const code = zkErrorCode(error);
        if (typeof expected === 'number' && (code === Exception.BAD_VERSION || code === Exception.NO_NODE)) {
          throw new VersionConflictError(path, expected, { cause: error });
        }
        if (expected === 'absent' && code === Exception.NODE_EXISTS) throw new VersionConflictError(path, 'absent');
        // 'any' lost a race with a concurrent create: go round and overwrite it.
        if (expected === 'any' && code === Exception.NODE_EXISTS) continue;
        if (code === Exception.NO_NODE) {
          await ensurePath(client, parentOf(path), ctx.acl);
          continue;
        }
        throw error;
      }
    }
  });
}

/**
 * Deletes `path` under the precondition `expected` (a version, or `'any'`). Resolves `false` if there was nothing to
 * delete with `'any'`; throws {@link VersionConflictError} if a version was expected and the node changed or is gone.
 */
export async function removeNode(ctx: StoreContext, path: string, expected: number | 'any'): Promise<boolean> {
  return runOn(ctx, path, async (client) => {
    try {
      await remove(client, path, expected === 'any' ? -1 : expected);
      return true;
    } catch (error) {
      const code = zkErrorCode(error);
      if (expected === 'any' && code === Exception.NO_NODE) return false;
      if (code === Exception.BAD_VERSION || code === Exception.NO_NODE) {
        throw new VersionConflictError(path, expected as number, { cause: error });
      }
      throw error;
    }
  });
}

/** Deletes `path` and everything under it; nodes that vanish meanwhile are fine, nodes added meanwhile go too. */
export async function removeTree(ctx: StoreContext, path: string): Promise<void> {
  await runOn(ctx, path, (client) => removeTreeWith(client, path));
}

async function removeTreeWith(client: Client, path: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const children = (await getChildren(client, path)) ?? [];
    for (const child of children) await removeTreeWith(client, `${path}/${child}`);
    try {
      await remove(client, path, -1);
      return;
    } catch (error) {
      const code = zkErrorCode(error);
      if (code === Exception.NO_NODE) return;
      if (code !== Exception.NOT_EMPTY || attempt >= 10) throw error;
    }
  }
}

/** Decoded child names of `dir`, sorted; `[]` if it does not exist. */
export async function listNames(ctx: StoreContext, dir: string): Promise<string[]> {
  const children = await runOn(ctx, dir, (client) => getChildren(client, dir));
  return (children ?? []).map(decodeSegment).sort();
}
