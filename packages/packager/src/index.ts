export * from './errors';
export * from './resolve-entry';
export * from './load-topology';
export * from './build-package';
export * from './load-bundle';
export * from './compile-module';
export * from './type-check';
