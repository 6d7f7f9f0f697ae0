import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { TopologySpec } from '@squall/api';
import { assertSafeId, isSafeId, type Config } from '@squall/core';

/** What nimbus keeps beside a package: the topology as it runs it. */
export interface TopologyRecord {
  topologyId: string;
  spec: TopologySpec;
  /** Effective topology configuration (cluster defaults + submitted conf). */
  conf: Config;
  /** Secret workers present on Transfer streams. */
  secret: string;
  digest: string;
  size: number;
}

/**
 * Topology packages on nimbus's disk: `<dir>/<topologyId>/package.tgz` and `topology.json`. Writes go to a temp file
 * renamed into place, so a crash never leaves a half-written package that looks complete. The records hold the
 * topologies' secrets: directories are 0700 and files 0600. Ids are checked (isSafeId) before they become paths.
 */
export class PackageStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }

  private topologyDir(id: string): string {
    return path.join(this.dir, assertSafeId('topology id', id, 'the package store'));
  }

  /** Path of a stored package. */
  packagePath(id: string): string {
    return path.join(this.topologyDir(id), 'package.tgz');
  }

  /** Stores a newly submitted package and its record, generating the topology's secret. */
  save(record: Omit<TopologyRecord, 'secret'>, bytes: Buffer): TopologyRecord {
    return this.saveReplica({ ...record, secret: randomBytes(24).toString('hex') }, bytes);
  }

  /**
   * Stores a package copied from another nimbus with the record it came with (the secret included, so workers keep
   * authenticating after a failover). The record is written last: a package without its record does not count.
   */
  saveReplica(record: TopologyRecord, bytes: Buffer): TopologyRecord {
    const dir = this.topologyDir(record.topologyId);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = path.join(dir, `.package.${process.pid}.tmp`);
    writeFileSync(tmp, bytes, { mode: 0o600 });
    renameSync(tmp, this.packagePath(record.topologyId));
    const tmpRecord = path.join(dir, `.topology.${process.pid}.tmp`);
    writeFileSync(tmpRecord, JSON.stringify(record), { mode: 0o600 });
    renameSync(tmpRecord, path.join(dir, 'topology.json'));
    return record;
  }

  /** Ids of the topologies with a record in this store. */
  ids(): string[] {
    return readdirSync(this.dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && isSafeId(d.name) && existsSync(path.join(this.dir, d.name, 'topology.json')))
      .map((d) => d.name);
  }

  /** The record of a stored topology, or undefined (also for an id that is not safe). */
  record(id: string): TopologyRecord | undefined {
    if (!isSafeId(id)) return undefined;
    const f = path.join(this.topologyDir(id), 'topology.json');
    if (!existsSync(f)) return undefined;
    return JSON.parse(readFileSync(f, 'utf8')) as TopologyRecord;
  }

  /** Whether the package is present and matches its digest. */
  verify(id: string): boolean {
    const rec = this.record(id);
    const p = this.packagePath(id);
    if (!rec || !existsSync(p) || statSync(p).size !== rec.size) return false;
    return createHash('sha256').update(readFileSync(p)).digest('hex') === rec.digest;
  }

  /** A stream of the package bytes in chunks of `chunkBytes`. */
  open(id: string, chunkBytes: number): NodeJS.ReadableStream {
    return createReadStream(this.packagePath(id), { highWaterMark: chunkBytes });
  }

  /** When the record of `id` was written, ms since the epoch (undefined when none). */
  recordTimeMs(id: string): number | undefined {
    const f = path.join(this.topologyDir(id), 'topology.json');
    return existsSync(f) ? statSync(f).mtimeMs : undefined;
  }

  /** Deletes a topology's package and record. */
  remove(id: string): void {
    rmSync(this.topologyDir(id), { recursive: true, force: true });
  }
}
