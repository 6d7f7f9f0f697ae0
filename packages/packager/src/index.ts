export * from './errors';
export * from './resolve-entry';
export * from './load-topology';
