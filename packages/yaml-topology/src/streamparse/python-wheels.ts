import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StreamparseProjectError } from '../errors';
import { pipProblems } from './pip-problems';
import { pythonExecutable, runCommand } from './python-command';
import type { Requirements } from './requirements';

/** Where the wheels and the requirements go inside a package. */
export const PACKAGE_PYTHON_DIR = 'python';

/** The manifest's `python` entry: what a supervisor installs, offline, before starting the topology's workers. */
export interface PythonManifest {
  /** Requirements file inside the package (`python/requirements.txt`). */
  requirements: string;
  /** Directory of wheels inside the package (`python/wheels`). */
  wheels: string;
  /** sha256 of the requirements and the wheel names: the environment's identity. */
  hash: string;
}

/** The workers' platform, when it is not this machine's (`squall submit --python-platform/--python-version`). */
export interface WheelTarget {
  /** pip platform tag, e.g. `manylinux2014_x86_64` (repeatable in pip; one here). */
  platform?: string;
  /** e.g. `3.11`. */
  pythonVersion?: string;
}

/**
 * Resolves requirements into wheels on this machine (`pip download --only-binary=:all:`, for the workers' platform when
 * given), into `<staging>/python/wheels`, with the requirements in `python/requirements.txt`.
 * @throws StreamparseProjectError naming each requirement pip could not resolve, with its file and line
 */
export async function downloadWheels(
  reqs: Requirements,
  shownFile: string,
  staging: string,
  target: WheelTarget,
  onProgress: (line: string) => void,
): Promise<PythonManifest> {
  const dir = path.join(staging, PACKAGE_PYTHON_DIR);
  const wheels = path.join(dir, 'wheels');
  mkdirSync(wheels, { recursive: true });
  const reqFile = path.join(dir, 'requirements.txt');
  writeFileSync(reqFile, reqs.lines.map((l) => l.text).join('\n') + '\n');
  const argv = [
    pythonExecutable(),
    '-m',
    'pip',
    'download',
    '--disable-pip-version-check',
    '--only-binary=:all:',
    '--dest',
    wheels,
    '-r',
    reqFile,
  ];
  if (target.platform) argv.push('--platform', target.platform);
  if (target.pythonVersion) argv.push('--python-version', target.pythonVersion);
  if (target.platform || target.pythonVersion) argv.push('--implementation', 'cp');
  const platform = [target.platform ?? 'this machine', target.pythonVersion ? `Python ${target.pythonVersion}` : '']
    .filter(Boolean)
    .join(', ');
  onProgress(`python: resolving ${reqs.lines.length} requirement(s) of ${shownFile} into wheels for ${platform}`);
  const result = await runCommand(argv, {
    cwd: path.dirname(reqs.file),
    onLine: (l) => {
      const m = /^(Collecting \S+|Saved \S+|  Downloading \S+|  File was already downloaded \S+)/.exec(l);
      if (m) onProgress(`python:   ${m[1]!.trim().replace(wheels + path.sep, '')}`);
    },
  });
  if (result.code !== 0)
    throw new StreamparseProjectError(
      shownFile,
      pipProblems(result.stdout + result.stderr, reqs, shownFile, `wheel for ${platform}`),
    );
  const names = readdirSync(wheels).sort();
  const hash = createHash('sha256').update(reqs.hash).update(names.join('\n')).digest('hex');
  onProgress(`python: ${names.length} wheel(s) packaged (${names.join(', ')})`);
  return { requirements: `${PACKAGE_PYTHON_DIR}/requirements.txt`, wheels: `${PACKAGE_PYTHON_DIR}/wheels`, hash };
}
