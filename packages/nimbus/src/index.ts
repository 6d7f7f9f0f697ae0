export * from './errors';
export * from './scheduler';
export * from './package-store';
export * from './nimbus';
