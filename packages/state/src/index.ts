export * from './backend';
export * from './key-value-state';
export * from './memory-backend';

