export * from './errors';
export * from './router';
export * from './storm-json';
export * from './nimbus-gateway';
export * from './rest-api';
export * from './static-files';
export * from './ui-server';
export * from './request-policy';
