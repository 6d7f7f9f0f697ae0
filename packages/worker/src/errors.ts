import { SquallError } from '@squall/core';

/** Thrown when the worker's slot port is already taken by another process. */
export class PortInUseError extends SquallError {
  constructor(readonly port: number) {
    super('PORT_IN_USE', `worker port ${port} is already in use by another process`);
  }
}

/** Thrown when the worker's launch description is missing or malformed. */
export class WorkerLaunchError extends SquallError {
  constructor(problem: string) {
    super('WORKER_LAUNCH', `cannot start worker: ${problem}`);
  }
}
