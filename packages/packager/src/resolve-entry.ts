import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { TopologyLoadError } from './errors';

/** File names looked for, in order, when a directory is given. */
export const ENTRY_CANDIDATES = ['topology.ts', 'topology.js', 'topology.yaml', 'topology.yml', 'index.ts', 'index.js'];

/**
 * Resolves what the user named (a file, or a directory holding one of {@link ENTRY_CANDIDATES}) to an absolute file.
 * @throws TopologyLoadError when nothing matches
 */
export function resolveTopologyEntry(target: string, cwd = process.cwd()): string {
  const abs = path.resolve(cwd, target);
  if (!existsSync(abs)) throw new TopologyLoadError(target, 'no such file or directory');
  if (statSync(abs).isDirectory()) {
    for (const name of ENTRY_CANDIDATES) {
      const f = path.join(abs, name);
      if (existsSync(f)) return f;
    }
    throw new TopologyLoadError(
      target,
      `is a directory without a topology file (looked for ${ENTRY_CANDIDATES.join(', ')})`,
    );
  }
  return abs;
}
