import { createHash, timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';

/** gRPC metadata key carrying the bearer token of nimbus's mutating calls. */
export const AUTHORIZATION_METADATA_KEY = 'authorization';

/** Metadata with `authorization: Bearer <token>`, for one call; clients made with `authToken` add it themselves. */
export function bearerMetadata(token: string, metadata: grpc.Metadata = new grpc.Metadata()): grpc.Metadata {
  metadata.set(AUTHORIZATION_METADATA_KEY, `Bearer ${token}`);
  return metadata;
}

/**
 * The token of a call's `authorization: Bearer <token>` metadata, or `undefined` when absent, empty or another
 * scheme. The scheme is matched case-insensitively (RFC 7235); the token is returned as sent.
 */
export function bearerToken(metadata: grpc.Metadata): string | undefined {
  const value = metadata.get(AUTHORIZATION_METADATA_KEY)[0];
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer[ ]+(\S.*)$/i.exec(value.trim());
  return match?.[1];
}

/**
 * Whether `presented` equals `expected`, in time independent of where they differ (and of their lengths, since
 * both are hashed first), so the token cannot be guessed byte by byte. `undefined` never matches.
 */
export function tokenMatches(expected: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}
