import { SquallError } from '@squall/core';

/** Base class of every error this package raises on purpose: a `SquallError` with a stable `code`. */
export class ClusterStateError extends SquallError {}

/**
 * Thrown when no ZooKeeper installation (or no Java runtime to run it) can be found and none could be installed.
 * The message is one line telling the user what to run.
 */
export class ZooKeeperNotInstalledError extends ClusterStateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ZOOKEEPER_NOT_INSTALLED', message, options);
  }
}

/** Thrown when installing system (Debian) packages fails: apt-get's error, no flock(1), or the install lock timed out. */
export class SystemPackageInstallError extends ClusterStateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SYSTEM_PACKAGE_INSTALL_FAILED', message, options);
  }
}

/**
 * Thrown when a launched ZooKeeper server exits during start-up or is not serving before the start deadline. The
 * process has already been killed; `logTail` holds the end of its log for the report.
 */
export class ZooKeeperStartError extends ClusterStateError {
  /** Exit code of the server process, or `null` if it was still running at the deadline (or died by a signal). */
  readonly exitCode: number | null;
  /** File holding the server's full output. */
  readonly logFile: string;
  /** The last lines of `logFile`. */
  readonly logTail: string;
  constructor(message: string, details: { exitCode: number | null; logFile: string; logTail: string }) {
    super('ZOOKEEPER_START_FAILED', `${message}; log ${details.logFile}:\n${details.logTail}`);
    this.exitCode = details.exitCode;
    this.logFile = details.logFile;
    this.logTail = details.logTail;
  }
}

/**
 * Thrown when ZooKeeper cannot be reached before a deadline: at start-up (`connectTimeoutMs`) or while an operation
 * waits for a lost connection to come back (`operationTimeoutMs`). An operation that timed out may still have been
 * applied if the connection dropped after it was sent.
 */
export class ZooKeeperUnavailableError extends ClusterStateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ZOOKEEPER_UNAVAILABLE', message, options);
  }
}

/**
 * Thrown when a compare-and-set write finds the node in another state than the caller read: a different version, a
 * node that exists when `'absent'` was expected, or a node that is gone. Re-read and decide again. After a connection
 * loss it can also mean the caller's own write was applied before the retry, so re-reading is always the answer.
 */
export class VersionConflictError extends ClusterStateError {
  /** The ZooKeeper path written. */
  readonly path: string;
  /** What the caller expected: a stat version, or `'absent'`. */
  readonly expected: number | 'absent';
  constructor(path: string, expected: number | 'absent', options?: { cause?: unknown }) {
    super(
      'VERSION_CONFLICT',
      `${path} changed since it was read (expected ${expected === 'absent' ? 'no node' : `version ${expected}`})`,
      options,
    );
    this.path = path;
    this.expected = expected;
  }
}

/**
 * Thrown when ZooKeeper refuses an operation for lack of permission: Squall's nodes are protected by a digest ACL and
 * this client has no secret or the wrong one (`auth` option).
 */
export class NotAuthorizedError extends ClusterStateError {
  /** The ZooKeeper path refused. */
  readonly path: string;
  constructor(path: string, options?: { cause?: unknown }) {
    super('NOT_AUTHORIZED', `not authorized to access ${path}: check the ZooKeeper auth secret`, options);
    this.path = path;
  }
}

/**
 * Thrown when a node holds data this version of Squall cannot read: not JSON, not an object, or written with a newer
 * schema `version`. Usually a mixed-version cluster or a foreign tool writing under Squall's root.
 */
export class InvalidDocumentError extends ClusterStateError {
  /** The ZooKeeper path read. */
  readonly path: string;
  constructor(path: string, problem: string) {
    super('INVALID_DOCUMENT', `${path}: ${problem}`);
    this.path = path;
  }
}

/** Thrown when a name used as a path segment (topology id, component, key...) is empty or otherwise unusable. */
export class InvalidNameError extends ClusterStateError {
  constructor(kind: string, name: string) {
    super('INVALID_NAME', `invalid ${kind} ${JSON.stringify(name)}: must be a non-empty string`);
  }
}

/** Thrown when a method is called after `shutdown()`, or an operation was still waiting when shutdown began. */
export class ClusterStateClosedError extends ClusterStateError {
  constructor() {
    super('CLOSED', 'cluster state has been shut down');
  }
}

/**
 * Thrown for a ZooKeeper failure none of the other classes describe (system error, marshalling error...). `zkCode` is
 * ZooKeeper's numeric error code.
 */
export class ZooKeeperError extends ClusterStateError {
  /** ZooKeeper's error code, e.g. -1 for SYSTEM_ERROR. */
  readonly zkCode: number;
  /** The ZooKeeper path involved. */
  readonly path: string;
  constructor(path: string, zkCode: number, zkName: string, options?: { cause?: unknown }) {
    super('ZOOKEEPER_ERROR', `ZooKeeper error ${zkName} (${zkCode}) on ${path}`, options);
    this.zkCode = zkCode;
    this.path = path;
  }
}
