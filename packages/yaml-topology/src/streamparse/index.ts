export * from './streamparse-project';
export * from './requirements';
export * from './python-wheels';
export * from './local-virtualenv';
export { loadStreamparseProject, streamparseProjectLoader, GENERATED_TOPOLOGY } from './load-streamparse-project';
