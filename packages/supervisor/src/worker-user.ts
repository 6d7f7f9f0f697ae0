import {
  chmodSync,
  chownSync,
  closeSync,
  constants,
  existsSync,
  fchownSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Logger } from '@squall/core';
import { WORKER_MAIN } from '@squall/worker';

/** The OS identity a topology's workers (and their shell children) run as on one supervisor. */
export interface WorkerUser {
  uid: number;
  gid: number;
}

/** An inclusive range of uids (`supervisor.worker.uid.range`). */
export interface UidRange {
  first: number;
  last: number;
}

/** Largest uid Linux allows (2^32 - 2; 2^32 - 1 is "no uid"). */
const MAX_UID = 0xfffffffe;

/**
 * Parses `supervisor.worker.uid.range` ("first-last", inclusive).
 * @throws Error naming the key and what is wrong (not two numbers, reversed, 0 (root) included, beyond 2^32-2)
 */
export function parseUidRange(value: unknown): UidRange {
  const m = typeof value === 'string' ? /^\s*(\d{1,10})\s*-\s*(\d{1,10})\s*$/.exec(value) : null;
  if (!m)
    throw new Error(
      `supervisor.worker.uid.range: expected "first-last" (e.g. "2000000000-2000065535"), got ${JSON.stringify(value)}`,
    );
  const first = Number(m[1]);
  const last = Number(m[2]);
  if (first < 1) throw new Error(`supervisor.worker.uid.range: ${value} includes uid 0 (root)`);
  if (last > MAX_UID) throw new Error(`supervisor.worker.uid.range: ${value} goes beyond the largest uid ${MAX_UID}`);
  if (last < first) throw new Error(`supervisor.worker.uid.range: ${value} ends before it starts`);
  return { first, last };
}

/** Ids of /etc/passwd and /etc/group entries: a topology never gets the uid or gid of a real account. */
export function accountIds(files: readonly string[] = ['/etc/passwd', '/etc/group']): Set<number> {
  const ids = new Set<number>();
  for (const file of files) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const id = Number(line.split(':')[2]);
      if (line.trim() !== '' && Number.isInteger(id)) ids.add(id);
    }
  }
  return ids;
}

/** What {@link WorkerUsers} records on disk. */
interface UidRecord {
  topologies: Record<string, number>;
}

/**
 * Per-topology uids on one supervisor (Storm's run-as-user, without accounts): each topology gets a uid of its own
 * from `supervisor.worker.uid.range` (its gid is the same number), recorded in a 0600 file so a topology keeps its uid
 * across worker and supervisor restarts. Allocation goes round the range, skipping uids in use and those of real
 * accounts, so a uid freed by a killed topology is handed out again as late as possible.
 */
export class WorkerUsers {
  private record: UidRecord;

  constructor(
    private readonly file: string,
    private readonly range: UidRange,
    private readonly reserved: ReadonlySet<number> = accountIds(),
  ) {
    // Null prototype: a topology named __proto__ is a key like any other.
    this.record = { topologies: Object.create(null) as Record<string, number> };
    if (existsSync(file)) {
      try {
        const r = JSON.parse(readFileSync(file, 'utf8')) as Partial<UidRecord>;
        const topologies = Object.create(null) as Record<string, number>;
        for (const [id, uid] of Object.entries(r.topologies ?? {}))
          if (Number.isInteger(uid) && uid >= range.first && uid <= range.last) topologies[id] = uid;
        this.record = { topologies };
      } catch {
        // A damaged record: start again (running workers keep their uids until they restart).
      }
    }
  }

  /**
   * The user of `topologyId`'s workers, allocated (and recorded) on first use. The first uid tried is derived from the
   * topology id, so every supervisor of a cluster (same range) gives a topology the same uid unless that one is taken
   * there: files a topology's workers share (an NFS mount, a directory on a machine running several supervisors) keep
   * one owner when its executors move between supervisors. A taken uid or an account's moves on to the next.
   * @throws Error when every uid of the range is taken
   */
  userOf(topologyId: string): WorkerUser {
    const known = this.record.topologies[topologyId];
    if (known !== undefined) return { uid: known, gid: known };
    const taken = new Set(Object.values(this.record.topologies));
    const size = this.range.last - this.range.first + 1;
    const start = createHash('sha256').update(topologyId).digest().readUInt32BE(0) % size;
    for (let i = 0; i < size; i++) {
      const uid = this.range.first + ((start + i) % size);
      if (taken.has(uid) || this.reserved.has(uid)) continue;
      this.record.topologies[topologyId] = uid;
      this.save();
      return { uid, gid: uid };
    }
    throw new Error(
      `supervisor.worker.uid.range ${this.range.first}-${this.range.last}: no free uid for ${topologyId} (${taken.size} topologies hold one)`,
    );
  }

  /** Forgets the uids of topologies not in `keep`; returns the ids forgotten. */
  release(keep: ReadonlySet<string>): string[] {
    const gone = Object.keys(this.record.topologies).filter((id) => !keep.has(id));
    if (gone.length === 0) return gone;
    for (const id of gone) delete this.record.topologies[id];
    this.save();
    return gone;
  }

  private save(): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.record), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
  }
}

/**
 * Whether workers run as their own users: `supervisor.run.worker.as.user` when set, else exactly when the supervisor
 * runs as root (only root can switch users).
 * @throws Error when it is set to true but the supervisor is not root
 */
export function runsWorkersAsUsers(setting: unknown, isRoot = process.getuid?.() === 0): boolean {
  if (setting === null || setting === undefined) return isRoot;
  if (setting === true && !isRoot)
    throw new Error(
      'supervisor.run.worker.as.user is true, but only a supervisor running as root can start workers as other users',
    );
  return setting === true;
}

/**
 * The first directory on the way to each of `paths` (the path itself included when it is a directory) that other
 * users cannot search (no `o+x`), so a worker under its own uid could not reach it; undefined when all are reachable.
 */
export function unreachableForOthers(
  paths: readonly string[],
): { dir: string; mode: number; wanted: string } | undefined {
  for (const wanted of paths) {
    let dir = path.resolve(wanted);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) dir = path.dirname(dir);
    const chain: string[] = [];
    for (let d = dir; ; d = path.dirname(d)) {
      chain.unshift(d);
      if (path.dirname(d) === d) break;
    }
    for (const d of chain) {
      const mode = statSync(d).mode & 0o7777;
      if ((mode & 0o001) === 0) return { dir: d, mode, wanted };
    }
  }
  return undefined;
}

/**
 * Gives a tree (a topology's package, its Python virtualenv) to the topology's group, read-only: directories root:gid
 * 0750, files root:gid 0640 (0750 when executable). The worker can use it but not change it, nor any other topology
 * read it. Links are left alone (chown would follow them).
 */
export function grantTree(dir: string, gid: number): void {
  const walk = (p: string) => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return;
    chownSync(p, 0, gid);
    if (st.isDirectory()) {
      chmodSync(p, 0o750);
      for (const name of readdirSync(p)) walk(path.join(p, name));
    } else chmodSync(p, st.mode & 0o100 ? 0o750 : 0o640);
  };
  walk(dir);
}

/**
 * Writes `data` to `file` in a directory its worker's user owns, as root, without following a link the worker may
 * have put there (the old file is removed first, the new one created exclusively), owned by `user` and mode 0600.
 */
export function writePrivateFile(file: string, data: string | Buffer, user: WorkerUser | undefined): void {
  try {
    // unlink removes a link itself, never its target (and fails on a directory).
    unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    if (user) fchownSync(fd, user.uid, user.gid);
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
  } finally {
    closeSync(fd);
  }
}

/** Opens `file` for appending (created 0600 owned by `user`), refusing a link a worker may have put in its place. */
export function openPrivateAppend(file: string, user: WorkerUser | undefined): number {
  const fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  if (user) fchownSync(fd, user.uid, user.gid);
  return fd;
}

/** Logs, once per supervisor start, that its topologies share its OS user (it is not root, so it cannot separate them). */
export function warnSharedUser(log: Logger, enabled: boolean): void {
  if (enabled) return;
  const who =
    process.getuid?.() === 0 ? 'root (supervisor.run.worker.as.user is false)' : `uid ${process.getuid?.() ?? '?'}`;
  log.warn(
    { runAsUser: false },
    `workers of every topology run as this supervisor's user, ${who}: a topology's code can read the other topologies' secrets and this supervisor's files. Run the supervisor as root (supervisor.run.worker.as.user) to give each topology its own uid.`,
  );
}

/**
 * Why workers could not run as their own uids on this installation (a directory on the way to the worker's code or
 * the node binary closed to other users), or undefined. For tools like `squall dev-cluster` that then choose not to.
 */
export function runAsUserBlocker(): string | undefined {
  const b = unreachableForOthers([WORKER_MAIN, process.execPath]);
  return b ? `${b.dir} (mode 0${b.mode.toString(8)}) is closed to other users` : undefined;
}
