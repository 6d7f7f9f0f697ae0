import { SquallError } from '@squall/core';

/**
 * A Redis state store call that failed: Redis unreachable or too slow (no reply within the configured `timeout`), a
 * rejected password, a closed provider, or bad input. The message names the Redis address and the namespace; it never
 * holds the password, and neither does `cause` (a copy of the client's error with its message only).
 */
export class RedisStateError extends SquallError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('REDIS_STATE', message, options);
  }
}

/** Thrown by {@link RedisServer.start} when no `redis-server` executable can be found. One line saying what to install. */
export class RedisNotInstalledError extends SquallError {
  constructor(message: string) {
    super('REDIS_NOT_INSTALLED', message);
  }
}

/**
 * Thrown when a `redis-server` started by {@link RedisServer} exits during start-up or is not serving before the start
 * deadline. The process has already been killed; `logTail` holds the end of its log.
 */
export class RedisStartError extends SquallError {
  /** File holding the server's full output. */
  readonly logFile: string;
  /** The last lines of `logFile`. */
  readonly logTail: string;
  constructor(message: string, details: { logFile: string; logTail: string }) {
    super('REDIS_START_FAILED', `${message}; log ${details.logFile}:\n${details.logTail}`);
    this.logFile = details.logFile;
    this.logTail = details.logTail;
  }
}
