import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';

/**
 * gRPC metadata key of a daemon's proof that it holds the cluster credential (`squall.cluster.secret`). The secret
 * itself never travels: each call carries `v1.<ms>.<hmac>` with the HMAC-SHA256 of the method, the address the
 * caller dialled (the audience) and the time, so a proof captured by an impostor (say a fake leader address written
 * into ZooKeeper) is useless against any real daemon, and a proof read off the wire expires.
 */
export const CLUSTER_AUTH_METADATA_KEY = 'x-squall-cluster-auth';

/** gRPC metadata key of a worker's proof of its own topology's secret (WorkerHeartbeat), same `v1.<ms>.<hmac>` shape. */
export const TOPOLOGY_AUTH_METADATA_KEY = 'x-squall-topology-auth';

/** gRPC metadata key naming the topology whose secret {@link TOPOLOGY_AUTH_METADATA_KEY} proves. */
export const TOPOLOGY_ID_METADATA_KEY = 'x-squall-topology';

/** How far a proof's clock may be from the verifier's, either way, ms. */
export const PROOF_MAX_SKEW_MS = 5 * 60_000;

function mac(secret: string, ...parts: string[]): Buffer {
  return createHmac('sha256', secret).update(parts.join('\n')).digest();
}

/** Whether two strings are equal, in time independent of their content (both are hashed first). */
export function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** A proof, for one call of `method` (its gRPC path) to `audience` ("host:port" as dialled), at `nowMs`. */
export function callProof(secret: string, method: string, audience: string, nowMs = Date.now()): string {
  return `v1.${nowMs}.${mac(secret, 'squall-call-v1', method, audience, String(nowMs)).toString('hex')}`;
}

/** Why a presented proof was refused, or `undefined` when it is valid for `method` and one of `audiences`. */
export function checkCallProof(
  secret: string,
  presented: string | undefined,
  method: string,
  audiences: readonly string[],
  nowMs = Date.now(),
): string | undefined {
  if (presented === undefined || presented === '') return 'no credential';
  const m = /^v1\.(\d{1,16})\.([0-9a-f]{64})$/.exec(presented);
  if (!m) return 'malformed credential';
  const ts = Number(m[1]);
  if (Math.abs(nowMs - ts) > PROOF_MAX_SKEW_MS)
    return `credential time ${new Date(ts).toISOString()} is more than ${PROOF_MAX_SKEW_MS / 1000}s from this daemon's clock`;
  const given = Buffer.from(m[2]!, 'hex');
  let ok = false;
  // Every audience is tried (no early exit), so timing does not tell which one matched.
  for (const audience of audiences)
    ok = timingSafeEqual(mac(secret, 'squall-call-v1', method, audience, String(ts)), given) || ok;
  return ok ? undefined : 'wrong credential';
}

/** The first value of a metadata key as a string. */
export function metadataString(metadata: grpc.Metadata, key: string): string | undefined {
  const v = metadata.get(key)[0];
  return typeof v === 'string' ? v : undefined;
}

/**
 * A client interceptor adding a fresh cluster-credential proof for `audience` (the address the client dials) to
 * every call; with `topology`, a proof of that topology's secret instead.
 */
export function proofInterceptor(secret: string, audience: string, topology?: string): grpc.Interceptor {
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        const proof = callProof(secret, options.method_definition.path, audience);
        if (topology === undefined) metadata.set(CLUSTER_AUTH_METADATA_KEY, proof);
        else {
          metadata.set(TOPOLOGY_ID_METADATA_KEY, topology);
          metadata.set(TOPOLOGY_AUTH_METADATA_KEY, proof);
        }
        next(metadata, listener);
      },
    });
}

/** Keys sorted at every level, so the same document always serialises to the same bytes (for signatures). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * HMAC-SHA256 (hex) binding `kind` (what is signed, e.g. `assignment`), a topology id, a package digest and a
 * document, made by nimbus with the cluster credential and checked by supervisors, so a document read from
 * ZooKeeper (or a package header from whoever answered as nimbus) is trusted only if a holder of the credential wrote it.
 */
export function signDocument(
  secret: string,
  kind: string,
  topologyId: string,
  digest: string,
  document: unknown,
): string {
  return mac(secret, `squall-${kind}-v1`, topologyId, digest, canonicalJson(document)).toString('hex');
}

/** Whether `signature` is {@link signDocument}'s for these inputs, compared in constant time. */
export function documentSignatureMatches(
  secret: string,
  signature: unknown,
  kind: string,
  topologyId: string,
  digest: string,
  document: unknown,
): boolean {
  if (typeof signature !== 'string' || !/^[0-9a-f]{64}$/.test(signature)) return false;
  return timingSafeEqual(
    Buffer.from(signDocument(secret, kind, topologyId, digest, document), 'hex'),
    Buffer.from(signature, 'hex'),
  );
}

/** The parts of an assignment document its signature covers: all of it but the signature. */
interface SignableAssignment {
  packageDigest?: string;
  signature?: string;
}

/**
 * The signature nimbus writes into an assignment (`signature`), over the topology id, the package digest the
 * assignment names and the rest of the document.
 */
export function signAssignment<A extends SignableAssignment>(
  secret: string,
  topologyId: string,
  assignment: A,
): string {
  const { signature: _ignored, ...content } = assignment;
  return signDocument(secret, 'assignment', topologyId, assignment.packageDigest ?? '', content);
}

/** Why an assignment read from ZooKeeper is not trusted under `secret`, or undefined when its signature matches. */
export function assignmentSignatureProblem<A extends SignableAssignment>(
  secret: string,
  topologyId: string,
  assignment: A,
): string | undefined {
  if (typeof assignment.packageDigest !== 'string' || !/^[0-9a-f]{64}$/.test(assignment.packageDigest))
    return 'it names no package digest';
  if (assignment.signature === undefined) return 'it is not signed';
  const { signature, ...content } = assignment;
  return documentSignatureMatches(secret, signature, 'assignment', topologyId, assignment.packageDigest, content)
    ? undefined
    : 'its signature does not match (not written by a holder of squall.cluster.secret)';
}
