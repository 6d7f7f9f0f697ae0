import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * How the user can type the squall command in their own shell, for hints the CLI prints (`submit with: ...`):
 * `squall` when it is on their PATH, else `npx squall` (what a source checkout has). Under npm (`npx`, `npm run`),
 * PATH holds node_modules/.bin only for npm's child, so those directories do not count.
 */
export function squallCommand(env: NodeJS.ProcessEnv = process.env): string {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter((d) => d && !d.split(path.sep).includes('node_modules'));
  return dirs.some((d) => existsSync(path.join(d, 'squall'))) ? 'squall' : 'npx squall';
}
