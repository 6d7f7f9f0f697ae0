import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { extract, list } from 'tar';
import { assertSafeId, isSafeId, type Logger } from '@squall/core';
import { downloadVerifiedPackage, type NimbusClient } from '@squall/protocol';
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
  /** The package's `manifest.json` (empty when it has none), read once. */
  manifest: Readonly<Record<string, unknown>>;
}

/** Options of {@link PackageCache}. */
export interface PackageCacheOptions {
  /** Largest total size of a package's files once extracted (`supervisor.package.max.bytes`). */
  maxExtractedBytes: number;
  /** `squall.cluster.secret`: when set, a package header must carry nimbus's signature. */
  clusterSecret?: string | undefined;
}

/** The descriptor (with the topology's secret) lives beside the extracted tree, never inside what workers read. */
const DESCRIPTOR_SUFFIX = '.topology.json';

/**
 * Packages this supervisor has downloaded from nimbus, verified (sha256, size and, with `squall.cluster.secret`,
 * nimbus's signature of the header) and extracted under `<dir>/<topologyId>-<digest prefix>/`, with the topology's
 * descriptor (and secret) in a 0600 file beside it. The cache dir is 0700. A package whose files would exceed
 * `maxExtractedBytes`, or that holds a link leaving the package, is refused before anything is written. A download that
 * fails is retried with backoff by the caller; a package is never used before it verified.
 */
export class PackageCache {
  private readonly inflight = new Map<string, Promise<CachedPackage>>();
  /** What was read of each package directory: its descriptor and manifest, so a step reads nothing from disk. */
  private readonly metadata = new Map<string, { topology: TopologyDescriptor; manifest: Record<string, unknown> }>();

  constructor(
    readonly dir: string,
    private readonly log: Logger,
    private readonly options: PackageCacheOptions = { maxExtractedBytes: Number.MAX_SAFE_INTEGER },
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }

  private target(topologyId: string, digest: string): string {
    assertSafeId('topology id', topologyId, 'an assignment');
    if (!/^[0-9a-f]{64}$/.test(digest))
      throw new PackageVerificationError(
        topologyId,
        `package digest ${JSON.stringify(digest.slice(0, 80))} is not a sha256`,
      );
    return path.join(this.dir, `${topologyId}-${digest.slice(0, 12)}`);
  }

  /**
   * The cached package, if downloaded and verified. Its descriptor and manifest are read from disk once (a package
   * downloaded before a supervisor restart is found there) and kept in memory until it is pruned.
   */
  get(topologyId: string, digest: string): CachedPackage | undefined {
    if (!isSafeId(topologyId) || !/^[0-9a-f]{64}$/.test(digest)) return undefined;
    const dir = this.target(topologyId, digest);
    let meta = this.metadata.get(dir);
    if (!meta) {
      const descriptorFile = `${dir}${DESCRIPTOR_SUFFIX}`;
      if (!existsSync(descriptorFile) || !existsSync(dir)) return undefined;
      meta = {
        topology: JSON.parse(readFileSync(descriptorFile, 'utf8')) as TopologyDescriptor,
        manifest: readManifest(dir),
      };
      this.metadata.set(dir, meta);
    }
    return { dir, digest, ...meta };
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
    const dir = this.target(topologyId, digest);
    let downloaded: { bytes: Buffer; topologyJson: string };
    try {
      // A deadline, so a stalled or impostor nimbus cannot hold the download (and the slot) forever.
      downloaded = await downloadVerifiedPackage(client, topologyId, digest, {
        timeoutMs: 10 * 60_000,
        clusterSecret: this.options.clusterSecret,
      });
    } catch (err) {
      throw new PackageVerificationError(topologyId, `from nimbus: ${(err as Error).message}`);
    }
    const { bytes, topologyJson } = downloaded;
    const descriptor = JSON.parse(topologyJson) as TopologyDescriptor;
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true, mode: 0o700 });
    try {
      const tgz = path.join(tmp, 'package.tgz');
      writeFileSync(tgz, bytes, { mode: 0o600 });
      await this.checkContents(topologyId, tgz);
      await extract({ file: tgz, cwd: tmp, strict: true });
      rmSync(tgz, { force: true });
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    writeFileSync(`${dir}${DESCRIPTOR_SUFFIX}`, topologyJson, { mode: 0o600 });
    this.metadata.set(dir, { topology: descriptor, manifest: readManifest(dir) });
    this.log.info(
      { topology: topologyId, bytes: bytes.length, ms: Date.now() - started },
      `downloaded and verified package of ${topologyId}`,
    );
    return this.get(topologyId, digest)!;
  }

  /** Reads the tar's index (nothing written): total size within the limit, no link pointing out of the package. */
  private async checkContents(topologyId: string, tgz: string): Promise<void> {
    let total = 0;
    const problems: string[] = [];
    await list({
      file: tgz,
      onentry: (entry) => {
        total += entry.size ?? 0;
        if (entry.type === 'SymbolicLink' || entry.type === 'Link') {
          const link = entry.linkpath ?? '';
          const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(entry.path), link));
          if (path.posix.isAbsolute(link) || resolved === '..' || resolved.startsWith('../'))
            problems.push(`${entry.path} links to ${link}, outside the package`);
        }
      },
    });
    if (total > this.options.maxExtractedBytes)
      throw new PackageVerificationError(
        topologyId,
        `its files add up to ${total} bytes once extracted, over supervisor.package.max.bytes (${this.options.maxExtractedBytes})`,
      );
    if (problems.length > 0) throw new PackageVerificationError(topologyId, problems.slice(0, 5).join('; '));
  }

  /**
   * Removes cached packages (and their descriptors) that no key of `keep` (`<topologyId>@<digest>`) names, except
   * downloads in progress. The supervisor calls it every 10 s, so a killed topology's files go once no slot runs it.
   * @returns the directories removed
   */
  prune(keep: ReadonlySet<string>): string[] {
    const wanted = new Set<string>();
    for (const key of [...keep, ...this.inflight.keys()]) {
      const [id, digest] = key.split('@');
      if (id !== undefined && digest !== undefined && isSafeId(id) && /^[0-9a-f]{64}$/.test(digest))
        wanted.add(path.basename(this.target(id, digest)));
    }
    const removed: string[] = [];
    for (const name of readdirSync(this.dir)) {
      const base = name.endsWith(DESCRIPTOR_SUFFIX)
        ? name.slice(0, -DESCRIPTOR_SUFFIX.length)
        : name.replace(/\.tmp-\d+$/, '');
      if (wanted.has(base) || (name !== base && /\.tmp-\d+$/.test(name) && this.inflight.size > 0)) continue;
      rmSync(path.join(this.dir, name), { recursive: true, force: true });
      this.metadata.delete(path.join(this.dir, base));
      if (!name.endsWith(DESCRIPTOR_SUFFIX)) removed.push(name);
    }
    return removed;
  }
}

/** A package's `manifest.json`, or an empty object when it has none (a package built before manifests). */
function readManifest(dir: string): Record<string, unknown> {
  const file = path.join(dir, 'manifest.json');
  if (!existsSync(file)) return {};
  const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
