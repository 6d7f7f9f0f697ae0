import { SquallError } from '@squall/core';

/** Thrown when a topology is invalid; `problems` lists every problem found, each naming component and stream. */
export class InvalidTopologyError extends SquallError {
  /** One line per problem. */
  readonly problems: readonly string[];
  constructor(problems: readonly string[], name?: string) {
    super(
      'INVALID_TOPOLOGY',
      `invalid topology${name ? ` '${name}'` : ''}: ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`,
    );
    this.problems = problems;
  }
}

/**
 * Thrown by a bolt to fail its input tuple without reporting an error (Storm's FailedException): the spout replays
 * the tuple. Any other exception fails the input *and* reports the error.
 */
export class FailedException extends SquallError {
  constructor(message = 'tuple failed') {
    super('FAILED', message);
  }
}

/** Thrown when a collector is called with arguments it cannot interpret (wrong types, unknown stream). */
export class EmitError extends SquallError {
  constructor(message: string) {
    super('EMIT', message);
  }
}
