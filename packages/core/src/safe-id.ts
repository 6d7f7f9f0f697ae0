import { SquallError } from './errors';

/** Longest id {@link isSafeId} accepts: far above `<name>-<counter>-<epochSecs>` and supervisor ids, well under NAME_MAX. */
export const MAX_ID_CHARS = 200;

// Not starting with '.': neither '.' (the directory itself) nor names that pass for hidden or temporary files.
const SAFE_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** Thrown when an id read from ZooKeeper or an RPC is not safe to use as a file name or path segment. */
export class UnsafeIdError extends SquallError {
  constructor(kind: string, id: string, where: string) {
    super(
      'UNSAFE_ID',
      `refused ${kind} ${JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}...` : id)} from ${where}: ids may hold only letters, digits, '.', '_' and '-' (not first '.', no '..', at most ${MAX_ID_CHARS} characters)`,
    );
  }
}

/**
 * Whether `id` (a topology, supervisor or component id) can become a file name as is: letters, digits, `.`, `_`, `-`,
 * 1 to {@link MAX_ID_CHARS} characters, not starting with `.`, and no `..` anywhere (so neither `..` nor `a..b` can walk a path). Every id
 * that reaches the file system after coming from ZooKeeper or a peer goes through this one check.
 */
export function isSafeId(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_CHARS && SAFE_ID.test(id) && !id.includes('..');
}

/**
 * `id` when {@link isSafeId}; otherwise throws.
 * @throws UnsafeIdError naming the kind of id and where it came from
 */
export function assertSafeId(kind: string, id: unknown, where: string): string {
  if (!isSafeId(id)) throw new UnsafeIdError(kind, String(id), where);
  return id;
}
