export * from './errors';
export * from './slot-state';
export * from './package-cache';
export * from './supervisor';
export * from './worker-process';
export * from './worker-user';
