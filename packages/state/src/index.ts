export * from './backend';
export * from './errors';
export * from './key-value-state';
export * from './memory-backend';
export * from './providers';
export * from './redis-backend';
export * from './redis-server';
