import { SquallError } from '@squall/core';

/** Thrown when a topology file or directory cannot be found, compiled, loaded, or exports no topology. */
export class TopologyLoadError extends SquallError {
  constructor(
    readonly file: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super('TOPOLOGY_LOAD', `${file}: ${problem}`, options);
  }
}
