export * from './errors';
export * from './http-guard';
export * from './config-safety';
export * from './clock';
export * from './logger';
export * from './config-keys';
export * from './config';
export * from './safe-id';
