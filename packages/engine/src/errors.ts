import { SquallError } from '@squall/core';

/** Thrown when a fields-grouped value cannot be hashed deterministically (functions, symbols, cyclic objects). */
export class UnhashableValueError extends SquallError {
  constructor(what: string) {
    super(
      'UNHASHABLE_VALUE',
      `cannot hash a ${what} for fields grouping: use strings, numbers, booleans, bigints, buffers or plain data`,
    );
  }
}

/** Thrown when a task id is not part of the topology (a direct emit to a wrong task, a corrupt message). */
export class UnknownTaskError extends SquallError {
  constructor(task: number, where: string) {
    super('UNKNOWN_TASK', `${where}: task ${task} does not exist in this topology`);
  }
}
