/**
 * Squall's version, read from this package's package.json (all Squall packages are released together under one
 * version): what daemons register and report, and what `squall --version` prints.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const SQUALL_VERSION: string = (require('../../package.json') as { version: string }).version;
