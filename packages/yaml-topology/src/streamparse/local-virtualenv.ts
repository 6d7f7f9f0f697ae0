import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StreamparseProjectError } from '../errors';
import { pipProblems } from './pip-problems';
import { pythonExecutable, runCommand } from './python-command';
import type { Requirements } from './requirements';

/** Marks a finished environment: a directory without it is a broken attempt and is rebuilt. */
export const READY_MARKER = '.squall-ready';

/** Directory of the local-mode virtualenvs: `$SQUALL_CACHE_DIR`, else `$XDG_CACHE_HOME/squall`, else `~/.cache/squall`. */
export function localCacheDir(): string {
  return (
    process.env.SQUALL_CACHE_DIR || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'squall')
  );
}

/** What to put in the environment of this process so that Python children use a virtualenv. */
export function virtualenvEnvironment(venv: string): Record<string, string> {
  return { VIRTUAL_ENV: venv, PATH: [path.join(venv, 'bin'), process.env.PATH].filter(Boolean).join(path.delimiter) };
}

/**
 * The virtualenv `squall local` (and topology evaluation at submit) use for a project's requirements: one per
 * requirements hash and Python, in the cache directory, created and filled from the package index the first time
 * (`python3 -m venv`, then `pip install -r`), reused afterwards.
 * @returns the virtualenv's directory
 * @throws StreamparseProjectError naming the requirement pip could not install
 */
export async function ensureLocalVirtualenv(
  reqs: Requirements,
  shownFile: string,
  onProgress: (line: string) => void,
): Promise<string> {
  const python = pythonExecutable();
  const key = createHash('sha256').update(reqs.hash).update(python).digest('hex').slice(0, 16);
  const venv = path.join(localCacheDir(), 'python-envs', key);
  if (existsSync(path.join(venv, READY_MARKER))) return venv;
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(path.dirname(venv), { recursive: true });
  onProgress(`python: creating a virtualenv for ${shownFile} in ${venv}`);
  const reqFile = path.join(venv, '..', `${key}.requirements.txt`);
  writeFileSync(reqFile, reqs.lines.map((l) => l.text).join('\n') + '\n');
  const pipArgs = ['install', '--disable-pip-version-check', '-r', reqFile];
  const onLine = (l: string) => {
    const m = /^(Collecting \S+|Successfully installed .*)/.exec(l);
    if (m) onProgress(`python:   ${m[1]}`);
  };
  // A virtualenv without its own pip is quick to make; this Python's pip (22.3+) fills it. Older pips: the slow way.
  let created = await runCommand([python, '-m', 'venv', '--without-pip', venv]);
  if (created.code !== 0)
    throw new StreamparseProjectError(shownFile, [
      `${python} -m venv failed: ${(created.stderr || created.stdout).trim()}`,
    ]);
  let installed = await runCommand([python, '-m', 'pip', '--python', path.join(venv, 'bin', 'python'), ...pipArgs], {
    cwd: path.dirname(reqs.file),
    onLine,
  });
  if (installed.code !== 0 && /no such option: --python/.test(installed.stderr + installed.stdout)) {
    rmSync(venv, { recursive: true, force: true });
    created = await runCommand([python, '-m', 'venv', venv]);
    if (created.code !== 0)
      throw new StreamparseProjectError(shownFile, [
        `${python} -m venv failed: ${(created.stderr || created.stdout).trim()}`,
      ]);
    installed = await runCommand([path.join(venv, 'bin', 'python'), '-m', 'pip', ...pipArgs], {
      cwd: path.dirname(reqs.file),
      onLine,
    });
  }
  if (installed.code !== 0) {
    rmSync(venv, { recursive: true, force: true });
    throw new StreamparseProjectError(
      shownFile,
      pipProblems(installed.stdout + installed.stderr, reqs, shownFile, 'installable release'),
    );
  }
  writeFileSync(path.join(venv, READY_MARKER), '');
  return venv;
}
