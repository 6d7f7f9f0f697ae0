import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TopologySpec } from '@squall/api';
import type { Config } from '@squall/core';

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
 * renamed into place, so a crash never leaves a half-written package that looks complete.
 */
export class PackageStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private topologyDir(id: string): string {
    return path.join(this.dir, id);
  }

  /** Path of a stored package. */
  packagePath(id: string): string {
    return path.join(this.topologyDir(id), 'package.tgz');
  }

  /** Stores a package and its record. */
  save(record: Omit<TopologyRecord, 'secret'>, bytes: Buffer): TopologyRecord {
    const dir = this.topologyDir(record.topologyId);
    mkdirSync(dir, { recursive: true });
    const full: TopologyRecord = { ...record, secret: randomBytes(24).toString('hex') };
    const tmp = path.join(dir, `.package.${process.pid}.tmp`);
    writeFileSync(tmp, bytes);
    renameSync(tmp, this.packagePath(record.topologyId));
    writeFileSync(path.join(dir, 'topology.json'), JSON.stringify(full));
    return full;
  }

  /** The record of a stored topology, or undefined. */
  record(id: string): TopologyRecord | undefined {
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

  remove(id: string): void {
    rmSync(this.topologyDir(id), { recursive: true, force: true });
  }
}
