import { createHash } from 'node:crypto';
import { ACL, Id, Permission } from 'node-zookeeper-client';

/**
 * ZooKeeper digest authentication for Squall's nodes. Every Squall process of a cluster must be given the same
 * secret; nodes are then readable and writable only by it.
 */
export interface ClusterStateAuth {
  /** Only `digest` is supported (it needs no Kerberos or TLS setup). */
  scheme: 'digest';
  /** The shared secret (the digest password). */
  secret: string;
  /** The digest user name. @default `squall` */
  user?: string;
}

/** Credentials for `addAuthInfo`, in the `user:password` form the digest scheme expects. */
export function authCredentials(auth: ClusterStateAuth): Buffer {
  return Buffer.from(`${auth.user ?? 'squall'}:${auth.secret}`, 'utf8');
}

/** The digest ACL identity for `auth`: `user:base64(sha1(user:password))`, as ZooKeeper's DigestAuthenticationProvider computes it. */
export function digestIdentity(auth: ClusterStateAuth): string {
  const user = auth.user ?? 'squall';
  const digest = createHash('sha1').update(`${user}:${auth.secret}`, 'utf8').digest('base64');
  return `${user}:${digest}`;
}

/**
 * The ACL for nodes Squall creates: ALL for the digest identity only when `auth` is given (so the world can neither
 * read nor write), else open.
 */
export function squallAcl(auth?: ClusterStateAuth): ACL[] {
  if (!auth) return openAcl();
  return [new ACL(Permission.ALL, new Id('digest', digestIdentity(auth)))];
}

/** ZooKeeper's OPEN_ACL_UNSAFE, for ancestors of the root that Squall creates but does not own. */
export function openAcl(): ACL[] {
  return [new ACL(Permission.ALL, new Id('world', 'anyone'))];
}
