/**
 * Absolute path of the worker process's entry point, which a supervisor spawns as `node <WORKER_MAIN> <launch.json>`.
 * Resolved, not imported: the supervisor runs the worker as a program and shares only `@squall/launch-contract`
 * with it, so it never loads the worker's engine, transport or multi-lang code.
 */
export const WORKER_MAIN = require.resolve('@squall/worker/dist/src/main');
