import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { StreamparseProjectError } from '../errors';

/** A streamparse project directory, as `sparse` reads it. */
export interface StreamparseProject {
  /** Absolute project directory. */
  dir: string;
  /** The project as shown in messages (relative to the working directory when inside it). */
  shown: string;
  /** Absolute path of the chosen topology module (`topologies/<name>.py`). */
  topologyFile: string;
  /** The topology's name: the module's file name without `.py`, as in streamparse. */
  name: string;
  /** The components' sources (`src/`), on their import path. */
  srcDir: string;
  /** `config.json`'s `serializer` (json or msgpack; absent means streamparse_run's default, json). */
  serializer: 'json' | 'msgpack' | undefined;
  /** `config.json`'s `use_virtualenv` (default true, as in streamparse). */
  useVirtualenv: boolean;
  /** `virtualenvs/<name>.txt`, else `requirements.txt` at the project root, if either exists. */
  requirementsFile: string | undefined;
}

/** A directory is a streamparse project when it has `config.json` with `topology_specs`, or a `topologies/` directory. */
export function isStreamparseProject(dir: string): boolean {
  const config = path.join(dir, 'config.json');
  if (existsSync(config)) {
    try {
      const parsed = JSON.parse(readFileSync(config, 'utf8')) as Record<string, unknown>;
      if (typeof parsed?.topology_specs === 'string') return true;
    } catch {
      // A broken config.json next to topologies/ is still meant as a streamparse project: reported by load.
    }
  }
  return (
    existsSync(path.join(dir, 'topologies')) &&
    existsSync(path.join(dir, 'src')) &&
    !existsSync(path.join(dir, 'topology.ts'))
  );
}

/** A path as messages show it: relative to the working directory when inside it, else absolute. */
export function shownPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel === '' ? '.' : rel.startsWith('..') ? p : rel;
}

/** Line (1-based) of `"key"` in a JSON text, for messages. */
function lineOfKey(text: string, key: string): number {
  const at = text.indexOf(`"${key}"`);
  return at < 0 ? 1 : text.slice(0, at).split('\n').length;
}

/**
 * Reads a streamparse project like `sparse run`/`sparse submit`: `config.json` (`topology_specs`, default
 * `topologies/`; `virtualenv_specs`, default `virtualenvs/`; `serializer`; `use_virtualenv`), the topology module
 * (the only `*.py` in the specs directory, or `<name>.py` when `name` is given), and its requirements file.
 * @throws StreamparseProjectError naming config.json's line, or listing the topologies when the choice is unclear
 */
export function readStreamparseProject(dir: string, name?: string): StreamparseProject {
  const shown = shownPath(dir);
  const configFile = path.join(dir, 'config.json');
  const configShown = shownPath(configFile);
  let config: Record<string, unknown> = {};
  let text = '';
  if (existsSync(configFile)) {
    text = readFileSync(configFile, 'utf8');
    try {
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('must be a JSON object');
      config = parsed as Record<string, unknown>;
    } catch (err) {
      const m = /position (\d+)/.exec((err as Error).message);
      const line = m ? text.slice(0, Number(m[1])).split('\n').length : 1;
      throw new StreamparseProjectError(shown, [`${configShown}:${line}: not valid JSON: ${(err as Error).message}`]);
    }
  }
  const problems: string[] = [];
  const str = (key: string, fallback: string): string => {
    const v = config[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || v === '')
      problems.push(
        `${configShown}:${lineOfKey(text, key)}: ${key} must be a directory name, got ${JSON.stringify(v)}`,
      );
    return typeof v === 'string' && v !== '' ? v : fallback;
  };
  const specsDir = path.resolve(dir, str('topology_specs', 'topologies/'));
  const venvSpecsDir = path.resolve(dir, str('virtualenv_specs', 'virtualenvs/'));
  const serializer = config.serializer;
  if (serializer !== undefined && serializer !== 'json' && serializer !== 'msgpack')
    problems.push(
      `${configShown}:${lineOfKey(text, 'serializer')}: serializer must be "json" or "msgpack", got ${JSON.stringify(serializer)}`,
    );
  const useVirtualenv = config.use_virtualenv;
  if (useVirtualenv !== undefined && typeof useVirtualenv !== 'boolean')
    problems.push(
      `${configShown}:${lineOfKey(text, 'use_virtualenv')}: use_virtualenv must be true or false, got ${JSON.stringify(useVirtualenv)}`,
    );
  if (problems.length > 0) throw new StreamparseProjectError(shown, problems);
  if (!existsSync(specsDir))
    throw new StreamparseProjectError(shown, [
      `no topology directory ${shownPath(specsDir)} (config.json's topology_specs)`,
    ]);
  const modules = readdirSync(specsDir)
    .filter((f) => f.endsWith('.py') && f !== '__init__.py')
    .sort();
  let topologyFile: string;
  if (name !== undefined) {
    const wanted = name.endsWith('.py') ? name : `${name}.py`;
    if (!modules.includes(wanted))
      throw new StreamparseProjectError(shown, [
        `no topology '${name}' in ${shownPath(specsDir)} (topologies: ${modules.map((m) => m.slice(0, -3)).join(', ') || 'none'})`,
      ]);
    topologyFile = path.join(specsDir, wanted);
  } else if (modules.length === 1) topologyFile = path.join(specsDir, modules[0]!);
  else if (modules.length === 0)
    throw new StreamparseProjectError(shown, [`no topology definitions (*.py) in ${shownPath(specsDir)}`]);
  else
    throw new StreamparseProjectError(shown, [
      `${shownPath(specsDir)} defines ${modules.length} topologies: ${modules.map((m) => m.slice(0, -3)).join(', ')}; pick one with --name <topology>`,
    ]);
  const topologyName = path.basename(topologyFile, '.py');
  const candidates = [path.join(venvSpecsDir, `${topologyName}.txt`), path.join(dir, 'requirements.txt')];
  return {
    dir,
    shown,
    topologyFile,
    name: topologyName,
    srcDir: path.join(dir, 'src'),
    serializer: serializer as StreamparseProject['serializer'],
    useVirtualenv: useVirtualenv !== false,
    requirementsFile: candidates.find((f) => existsSync(f)),
  };
}
