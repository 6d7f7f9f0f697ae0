import { InvalidNameError } from './errors';

/** Squall's ZooKeeper root when none is configured. */
export const DEFAULT_ROOT = '/squall';

// ZooKeeper rejects '/' inside a name, the names '.' and '..', and these code points; '%' is escaped so that decoding
// is exact. Storm URL-encodes component ids in its error paths for the same reason.
const UNSAFE = /[%/\u0000-\u001f\u007f-\u009f\ud800-\uf8ff\ufff0-\uffff\u{10000}-\u{10ffff}]/gu;

/**
 * Turns a name (topology id, component, supervisor id, blob key, nimbus address...) into one path segment that
 * ZooKeeper accepts, percent-encoding only what it would reject, so ordinary ids read the same in `zkCli`.
 * Throws {@link InvalidNameError} for an empty name or one holding a lone UTF-16 surrogate.
 */
export function encodeSegment(kind: string, name: string): string {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidNameError(kind, String(name));
  let encoded: string;
  try {
    encoded = name.replace(UNSAFE, (c) => encodeURIComponent(c));
  } catch {
    throw new InvalidNameError(kind, name);
  }
  if (encoded === '.' || encoded === '..') encoded = encoded.replace(/\./g, '%2E');
  return encoded;
}

/** The inverse of {@link encodeSegment}, for names listed from ZooKeeper. */
export function decodeSegment(segment: string): string {
  return segment.includes('%') ? decodeURIComponent(segment) : segment;
}

/**
 * Every ZooKeeper path Squall uses, under one root. Nothing outside this module builds a path: that keeps the layout
 * (ARCHITECTURE.md, "Where state lives") in one place and makes a root change or a migration a local edit.
 */
export class ClusterPaths {
  /** The normalised root, e.g. `/squall`. */
  readonly root: string;

  /** Throws {@link InvalidNameError} unless `root` is an absolute path; a trailing slash is dropped. */
  constructor(root: string = DEFAULT_ROOT) {
    const normalised = root.replace(/\/+$/, '');
    if (!normalised.startsWith('/') || normalised.includes('//')) throw new InvalidNameError('root', root);
    this.root = normalised;
  }

  /** The directories created at start-up, parents first. */
  get directories(): readonly string[] {
    return [
      this.root,
      this.storms,
      this.assignments,
      this.supervisors,
      this.nimbuses,
      this.leaderLock,
      this.blobs,
      this.errors,
    ];
  }

  /** Parent of the topology bases. */
  get storms(): string {
    return `${this.root}/storms`;
  }
  /** A topology's base (name, status, parallelism...). */
  storm(topologyId: string): string {
    return `${this.storms}/${encodeSegment('topology id', topologyId)}`;
  }

  /** Parent of the assignments. */
  get assignments(): string {
    return `${this.root}/assignments`;
  }
  /** A topology's assignment of executors to supervisor slots. */
  assignment(topologyId: string): string {
    return `${this.assignments}/${encodeSegment('topology id', topologyId)}`;
  }

  /** Parent of the (ephemeral) supervisor registrations. */
  get supervisors(): string {
    return `${this.root}/supervisors`;
  }
  /** A supervisor's ephemeral registration. */
  supervisor(supervisorId: string): string {
    return `${this.supervisors}/${encodeSegment('supervisor id', supervisorId)}`;
  }

  /** Parent of the (ephemeral) nimbus registrations. */
  get nimbuses(): string {
    return `${this.root}/nimbuses`;
  }
  /** A nimbus's ephemeral registration, keyed by its `host:port`. */
  nimbus(address: string): string {
    return `${this.nimbuses}/${encodeSegment('nimbus address', address)}`;
  }

  /** Parent of the leader-election candidates (ephemeral sequential nodes). */
  get leaderLock(): string {
    return `${this.root}/leader-lock`;
  }
  /** Name prefix of a candidate node; the unique tag lets a candidate find its own node after a connection loss. */
  candidatePrefix(tag: string): string {
    return `${this.leaderLock}/${tag}-n_`;
  }

  /** Parent of the blob (package) replica records. */
  get blobs(): string {
    return `${this.root}/blobs`;
  }
  /** Parent of one blob's replica records. */
  blob(key: string): string {
    return `${this.blobs}/${encodeSegment('blob key', key)}`;
  }
  /** The ephemeral record that `nimbusId` holds a copy of blob `key`. */
  blobReplica(key: string, nimbusId: string): string {
    return `${this.blob(key)}/${encodeSegment('nimbus id', nimbusId)}`;
  }

  /** Parent of the error logs. */
  get errors(): string {
    return `${this.root}/errors`;
  }
  /** Parent of one topology's error logs, removed with the topology. */
  topologyErrors(topologyId: string): string {
    return `${this.errors}/${encodeSegment('topology id', topologyId)}`;
  }
  /** One component's recent errors. */
  componentErrors(topologyId: string, component: string): string {
    return `${this.topologyErrors(topologyId)}/${encodeSegment('component', component)}`;
  }
}
