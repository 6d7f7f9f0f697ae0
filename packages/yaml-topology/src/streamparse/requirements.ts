import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Packages Squall's Python library stands in for: not installed from requirements unless asked. */
export const PROVIDED_PACKAGES = ['streamparse', 'pystorm'];

/** One line of a requirements file that pip is given. */
export interface RequirementLine {
  /** The line as pip reads it (comment removed). */
  text: string;
  /** Normalized project name (`Foo_Bar` → `foo-bar`), when the line names one. */
  name: string | undefined;
  /** `file:line`. */
  where: string;
}

/** A topology's Python requirements after Squall's own stand-ins are taken out. */
export interface Requirements {
  /** Absolute path of the requirements file. */
  file: string;
  /** Lines given to pip (relative `-r`/`-e` paths resolve from the file's directory). */
  lines: RequirementLine[];
  /** Lines left out because Squall provides them, for a note. */
  provided: RequirementLine[];
  /** sha256 of what pip is given: names an environment built from them. */
  hash: string;
}

/** pip's normalization of a project name. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/**
 * Reads a requirements file. `streamparse` and `pystorm` are left out (Squall's Python library answers to those
 * names) unless `keepProvided`, which installs the real packages instead.
 */
export function readRequirements(file: string, shownFile: string, keepProvided = false): Requirements {
  const lines: RequirementLine[] = [];
  const provided: RequirementLine[] = [];
  readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const text = raw.replace(/(^|\s)#.*$/, '').trim();
      if (text === '') return;
      const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(text);
      const line: RequirementLine = {
        text,
        name: m && !text.startsWith('-') ? normalizeName(m[1]!) : undefined,
        where: `${shownFile}:${i + 1}`,
      };
      if (!keepProvided && line.name && PROVIDED_PACKAGES.includes(line.name)) provided.push(line);
      else lines.push(line);
    });
  const hash = createHash('sha256')
    .update(lines.map((l) => l.text).join('\n'))
    .digest('hex');
  return { file: path.resolve(file), lines, provided, hash };
}
