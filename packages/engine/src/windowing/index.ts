export * from './window-manager';
export * from './policies';
export * from './windowed-bolt-runner';
