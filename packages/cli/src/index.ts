export { loadCliConfig } from './cli-config';
export { componentTable, liveLine, formatInt, table } from './format';
