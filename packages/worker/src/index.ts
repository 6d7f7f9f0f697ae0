export * from './errors';
export * from '@squall/launch-contract';
export * from './task-addresses';
export * from './read-launch';
export * from './wire';
export * from './peer-sender';
export * from './grpc-transport';
export * from './transfer-service';
export * from './worker';

/** Absolute path of the worker process entry point (`node <WORKER_MAIN> <launch.json>`). */
export const WORKER_MAIN = require.resolve('./main');
