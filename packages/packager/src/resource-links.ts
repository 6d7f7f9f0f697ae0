import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { TopologyLoadError } from './errors';

/**
 * Symbolic links under `root` (a topology's resources) that would not survive packaging: absolute ones and ones
 * leading out of `root`. Relative links inside `root` are kept as links (`verbatimSymlinks`), so they resolve the same
 * on every supervisor. `skip` tells directories not copied (node_modules...), which are not walked.
 */
export function escapingLinks(root: string, skip: (rel: string) => boolean): string[] {
  const bad: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const rel = path.relative(root, full);
      if (skip(rel)) continue;
      if (entry.isSymbolicLink()) {
        const target = readlinkSync(full);
        const resolved = path.relative(root, path.resolve(path.dirname(full), target));
        if (
          path.isAbsolute(target) ||
          resolved === '..' ||
          resolved.startsWith(`..${path.sep}`) ||
          path.isAbsolute(resolved)
        )
          bad.push(`${rel} -> ${target}`);
      } else if (entry.isDirectory() && !lstatSync(full).isSymbolicLink()) walk(full);
    }
  };
  walk(root);
  return bad;
}

/**
 * @throws TopologyLoadError naming every link of `root` that is absolute or leaves it (see {@link escapingLinks})
 */
export function checkResourceLinks(target: string, root: string, skip: (rel: string) => boolean): void {
  const bad = escapingLinks(root, skip);
  if (bad.length > 0)
    throw new TopologyLoadError(
      target,
      `resources hold symbolic links that leave the package (absolute, or outside ${root}): ${bad.slice(0, 10).join(', ')}; replace each with the file itself or a relative link inside the resources`,
    );
}
