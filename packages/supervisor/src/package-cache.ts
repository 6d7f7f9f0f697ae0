import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { extract } from 'tar';
import type { Logger } from '@squall/core';
import type { NimbusClient } from '@squall/protocol';
import type { TopologySpec } from '@squall/api';
import type { Config } from '@squall/core';
import { PackageVerificationError } from './errors';

/** The topology as a worker runs it (from nimbus's package header). */
export interface TopologyDescriptor {
  topologyId: string;
  spec: TopologySpec;
  conf: Config;
  secret: string;
}

/** A downloaded, verified, extracted package. */
export interface CachedPackage {
  dir: string;
  digest: string;
  topology: TopologyDescriptor;
}

/**
 * Packages this supervisor has downloaded from nimbus, verified (sha256 and size) and extracted under
 * `<dir>/<topologyId>-<digest prefix>/`. A download that fails is retried with backoff by the caller; a package is
 * never used before it verified.
 */
export class PackageCache {
  private readonly inflight = new Map<string, Promise<CachedPackage>>();

  constructor(
    readonly dir: string,
    private readonly log: Logger,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  private target(topologyId: string, digest: string): string {
    return path.join(this.dir, `${topologyId}-${digest.slice(0, 12)}`);
  }

  /** The cached package, if downloaded and verified. */
  get(topologyId: string, digest: string): CachedPackage | undefined {
    const dir = this.target(topologyId, digest);
    const meta = path.join(dir, '.squall-topology.json');
    if (!existsSync(meta)) return undefined;
    return { dir, digest, topology: JSON.parse(readFileSync(meta, 'utf8')) as TopologyDescriptor };
  }

  /** Downloads (once at a time per package), verifies and extracts. */
  fetch(client: NimbusClient, topologyId: string, digest: string): Promise<CachedPackage> {
    const key = `${topologyId}@${digest}`;
    const cached = this.get(topologyId, digest);
    if (cached) return Promise.resolve(cached);
    let p = this.inflight.get(key);
    if (!p) {
      p = this.download(client, topologyId, digest).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async download(client: NimbusClient, topologyId: string, digest: string): Promise<CachedPackage> {
    const started = Date.now();
    const chunks: Buffer[] = [];
    let header: { digest: string; size: number; topologyJson: string } | undefined;
    await new Promise<void>((resolve, reject) => {
      const call = client.downloadPackage({ topologyId });
      call.on('data', (m: { header?: { digest?: string | null; size?: number | null; topologyJson?: string | null } | null; chunk?: Uint8Array | null }) => {
        if (m.header) header = { digest: m.header.digest ?? '', size: Number(m.header.size ?? 0), topologyJson: m.header.topologyJson ?? '' };
        else if (m.chunk) chunks.push(Buffer.from(m.chunk));
      });
      call.on('end', () => resolve());
      call.on('error', reject);
    });
    const bytes = Buffer.concat(chunks);
    if (!header) throw new PackageVerificationError(topologyId, 'nimbus sent no header');
    if (header.digest !== digest) throw new PackageVerificationError(topologyId, `nimbus holds digest ${header.digest}, assignment wants ${digest}`);
    if (bytes.length !== header.size) throw new PackageVerificationError(topologyId, `truncated: ${bytes.length} of ${header.size} bytes`);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== digest) throw new PackageVerificationError(topologyId, `corrupt: sha256 ${actual}, expected ${digest}`);
    const dir = this.target(topologyId, digest);
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    writeFileSync(path.join(tmp, 'package.tgz'), bytes);
    await extract({ file: path.join(tmp, 'package.tgz'), cwd: tmp, strict: true });
    writeFileSync(path.join(tmp, '.squall-topology.json'), header.topologyJson);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    this.log.info({ topology: topologyId, bytes: bytes.length, ms: Date.now() - started }, `downloaded and verified package of ${topologyId}`);
    return this.get(topologyId, digest)!;
  }

  /** Removes packages of topologies not in `keep`. */
  prune(keep: ReadonlySet<string>): void {
    for (const [key] of this.inflight) if (!keep.has(key.split('@')[0]!)) this.inflight.delete(key);
  }
}
