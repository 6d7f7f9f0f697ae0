import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { fail } from '../fail';

/** Where the project templates live (`packages/cli/templates`, next to `dist/`). */
export const TEMPLATES_DIR = path.resolve(__dirname, '..', '..', '..', 'templates');

/** Template file name → project file name: `.tmpl` dropped, `gitignore` dotted, the Python topology and requirements named after the project. */
function targetName(rel: string, name: string): string {
  const plain = rel.replace(/\.tmpl$/, '');
  if (plain === 'gitignore') return '.gitignore';
  if (plain === path.join('topologies', 'topology.py')) return path.join('topologies', `${name}.py`);
  if (plain === path.join('virtualenvs', 'requirements.txt')) return path.join('virtualenvs', `${name}.txt`);
  return plain;
}

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const p = path.join(dir, entry);
    return statSync(p).isDirectory() ? listFiles(p, base) : [path.relative(base, p)];
  });
}

/**
 * Writes a new project `<dir>/` from a template: a Python project laid out like streamparse's `sparse quickstart`
 * (`config.json`, `src/spouts`, `src/bolts`, `topologies/<name>.py`, `virtualenvs/<name>.txt`) or, with
 * `typescript`, the TypeScript word count. Returns the files written (relative to `dir`).
 * @throws Error when the name is not usable or the directory exists
 */
export function writeQuickstart(dir: string, typescript = false): string[] {
  const name = path.basename(path.resolve(dir));
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name))
    throw new Error(
      `'${name}' cannot name a project: use letters, digits and '_', starting with a letter (it names the Python topology module)`,
    );
  if (existsSync(dir)) throw new Error(`${dir} already exists: pick a new name`);
  const template = path.join(TEMPLATES_DIR, typescript ? 'typescript' : 'python');
  const written: string[] = [];
  for (const rel of listFiles(template).sort()) {
    const target = targetName(rel, name);
    mkdirSync(path.dirname(path.join(dir, target)), { recursive: true });
    writeFileSync(path.join(dir, target), readFileSync(path.join(template, rel), 'utf8').replaceAll('{{name}}', name));
    written.push(target);
  }
  return written;
}

/** `squall quickstart <name>`: a new project, ready for `squall local <name>`. */
export function registerQuickstart(program: Command): void {
  program
    .command('quickstart')
    .description(
      "create a new project: Python components laid out like streamparse's 'sparse quickstart' (or --typescript)",
    )
    .argument('<name>', 'project directory to create (its last part names the topology)')
    .option('--typescript', 'a TypeScript word count instead of the Python one')
    .action((name: string, opts: { typescript?: boolean }) => {
      try {
        const files = writeQuickstart(name, opts.typescript === true);
        process.stdout.write(
          `created ${name}/ (${opts.typescript ? 'TypeScript' : 'Python'} word count):\n${files.map((f) => `  ${path.join(name, f)}`).join('\n')}\n\nrun it with:\n  npx squall local ${name}\n`,
        );
      } catch (err) {
        fail(err);
      }
    });
}
