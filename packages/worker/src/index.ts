export * from './errors';
export * from './launch';
export * from './wire';
export * from './peer-sender';
export * from './grpc-transport';
export * from './transfer-service';
export * from './worker';

/** Absolute path of the worker process entry point, for supervisors to spawn. */
export const WORKER_MAIN = require.resolve('./main');
