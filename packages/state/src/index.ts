export * from './backend';
export * from './errors';
export * from './key-value-state';
export * from './memory-backend';
export * from './providers';
export * from './redis-backend';
export { TOMBSTONE as REDIS_TOMBSTONE } from './redis-scripts';
export * from './redis-server';
