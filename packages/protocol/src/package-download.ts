import { createHash } from 'node:crypto';
import { documentSignatureMatches } from './cluster-auth';
import type { NimbusClient } from './generated/services';

/** A topology package downloaded from a nimbus and verified. */
export interface DownloadedPackage {
  /** The package archive (`package.tgz`). */
  bytes: Buffer;
  /** The topology record the package header carried (JSON), as signed by the nimbus that took the submit. */
  topologyJson: string;
}

/** Options of {@link downloadVerifiedPackage}. */
export interface PackageDownloadOptions {
  /** The whole download's deadline, ms from now: a stalled or impostor nimbus cannot hold the caller forever. */
  timeoutMs: number;
  /** `squall.cluster.secret`: when set, the header must be signed with it. */
  clusterSecret?: string | undefined;
}

interface DownloadMessage {
  header?: {
    digest?: string | null;
    size?: number | null;
    topologyJson?: string | null;
    signature?: string | null;
  } | null;
  chunk?: Uint8Array | null;
}

/**
 * Downloads topology `topologyId`'s package with `DownloadPackage` and checks it against the `digest` the caller
 * trusts (an assignment, the topology's base): the header names that digest (and, with a cluster secret, is signed
 * with it), the bytes are as many as the header says and hash to the digest, and the header's topology record is this
 * topology's. The one download path of supervisors (installing a package) and standby nimbuses (replicating one).
 * @throws Error saying what did not match (the caller adds whose package and from where)
 */
export async function downloadVerifiedPackage(
  client: NimbusClient,
  topologyId: string,
  digest: string,
  options: PackageDownloadOptions,
): Promise<DownloadedPackage> {
  const chunks: Buffer[] = [];
  let header: { digest: string; size: number; topologyJson: string; signature: string } | undefined;
  await new Promise<void>((resolve, reject) => {
    const call = client.downloadPackage({ topologyId }, { deadline: Date.now() + options.timeoutMs });
    call.on('data', (m: DownloadMessage) => {
      if (m.header)
        header = {
          digest: m.header.digest ?? '',
          size: Number(m.header.size ?? 0),
          topologyJson: m.header.topologyJson ?? '',
          signature: m.header.signature ?? '',
        };
      else if (m.chunk) chunks.push(Buffer.from(m.chunk));
    });
    call.on('end', () => resolve());
    call.on('error', reject);
  });
  if (!header) throw new Error('no header received');
  if (header.digest !== digest) throw new Error(`the sender holds digest ${header.digest}, not the wanted ${digest}`);
  const secret = options.clusterSecret;
  const signed = { size: header.size, topologyJson: header.topologyJson };
  if (
    secret !== undefined &&
    !documentSignatureMatches(secret, header.signature, 'package-header', topologyId, digest, signed)
  )
    throw new Error('its header is not signed with squall.cluster.secret (the sender does not hold it)');
  const bytes = Buffer.concat(chunks);
  if (bytes.length !== header.size) throw new Error(`truncated: ${bytes.length} of ${header.size} bytes`);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== digest) throw new Error(`corrupt: sha256 ${actual}, expected ${digest}`);
  let record: { topologyId?: unknown };
  try {
    record = JSON.parse(header.topologyJson) as { topologyId?: unknown };
  } catch {
    throw new Error('its header does not hold a topology record (not JSON)');
  }
  if (record === null || typeof record !== 'object' || record.topologyId !== topologyId)
    throw new Error(`its header describes ${String(record?.topologyId).slice(0, 100)}, not ${topologyId}`);
  return { bytes, topologyJson: header.topologyJson };
}
