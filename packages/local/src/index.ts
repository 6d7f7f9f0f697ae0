export * from './errors';
export * from './local-cluster';
export * from './complete-topology';
