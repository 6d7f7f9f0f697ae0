/**
 * The contract between a supervisor and the worker processes it starts: the launch file it writes
 * (`node <worker main> <launch.json>`) and the exit codes a worker ends with. Both sides import this package and
 * nothing of each other, so the supervisor does not load the worker's engine, transport or multi-lang code.
 */
export * from './worker-launch';
export * from './exit-codes';
