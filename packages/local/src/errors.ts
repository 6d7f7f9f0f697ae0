import { SquallError } from '@squall/core';

/** Thrown when a topology name is already running in this local cluster. */
export class TopologyExistsError extends SquallError {
  constructor(name: string) {
    super('TOPOLOGY_EXISTS', `a topology named '${name}' is already running`);
  }
}

/** Thrown when no topology has that name. */
export class TopologyNotFoundError extends SquallError {
  constructor(name: string) {
    super('TOPOLOGY_NOT_FOUND', `no topology named '${name}' is running`);
  }
}

/** Thrown when completeTopology does not see every tracked tuple complete within its deadline. */
export class CompletionTimeoutError extends SquallError {
  constructor(ms: number, detail: string) {
    super('COMPLETION_TIMEOUT', `topology did not complete within ${ms} ms (${detail})`);
  }
}
