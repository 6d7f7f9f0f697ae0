import type { Requirements } from './requirements';
import { normalizeName } from './requirements';

/**
 * Turns a failed pip run into messages naming the requirement: `virtualenvs/x.txt:2: 'nosuch': <pip's reason>`.
 * A requirement pip names that is not a line of the file (a dependency of one) is reported against the file.
 */
export function pipProblems(output: string, reqs: Requirements, shownFile: string, what: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const m of output.matchAll(
    /^ERROR: (?:No matching distribution found for|Could not find a version that satisfies the requirement) (\S+)(.*)$/gm,
  )) {
    const requirement = m[1]!;
    const name = normalizeName(/^[A-Za-z0-9._-]+/.exec(requirement)?.[0] ?? requirement);
    if (seen.has(name)) continue;
    seen.add(name);
    const line = reqs.lines.find((l) => l.name === name);
    problems.push(
      `${line ? line.where : shownFile}: '${requirement}'${line ? '' : ' (needed by a listed package)'}: pip found no ${what} ` +
        `(the package does not exist on the index, or has no release matching the version and platform): ${m[0].slice(7).trim()}`,
    );
  }
  if (problems.length === 0) {
    const errors = output.split('\n').filter((l) => l.startsWith('ERROR:'));
    problems.push(
      `${shownFile}: pip failed: ${(errors.length > 0 ? errors : output.trim().split('\n').slice(-3)).join(' | ')}`,
    );
  }
  return problems;
}
