import path from 'node:path';
import type { LoadedProject, LoadOptions, ProjectLoader } from '@squall/packager';
import { StreamparseProjectError } from '../errors';
import { PYTHON_LIBRARY_DIR } from '@squall/multilang';
import { loadYamlTopologyText } from '../load-yaml-topology';
import { ensureLocalVirtualenv, virtualenvEnvironment } from './local-virtualenv';
import { pythonExecutable, runCommand } from './python-command';
import { downloadWheels } from './python-wheels';
import { readRequirements, type Requirements } from './requirements';
import {
  isStreamparseProject,
  readStreamparseProject,
  shownPath,
  type StreamparseProject,
} from './streamparse-project';

/** Name, inside the package's `resources/`, of the topology generated from the Python module (JSON is YAML). */
export const GENERATED_TOPOLOGY = '.squall-topology.yaml';

/** What `squall.describe_topology` prints for a topology it could read. */
interface DescribedComponent {
  id: string;
  command: string[];
  outputs: Array<{ stream: string; fields: string[]; direct: boolean }>;
  parallelism: number;
  config: Record<string, unknown>;
  serializer: string;
  where: string;
}
interface Described {
  topologyClass: string;
  where: string;
  library: string;
  config: Record<string, unknown>;
  spouts: DescribedComponent[];
  bolts: DescribedComponent[];
  streams: Array<{ from: string; to: string; grouping: Record<string, unknown>; where: string }>;
  problems?: string[];
  note?: string;
}

/**
 * The described topology as a Squall YAML topology text, one component or stream per line, with the Python
 * location each line stands for (so validation messages name `topologies/x.py:12`, not the generated text).
 */
export function generatedYaml(name: string, d: Described): { text: string; where: Map<number, string> } {
  const lines: string[] = [];
  const where = new Map<number, string>();
  const push = (text: string, at: string) => {
    lines.push(text);
    where.set(lines.length, at);
  };
  push('{', d.where);
  push(`"name": ${JSON.stringify(name)},`, d.where);
  push(`"config": ${JSON.stringify(d.config ?? {})},`, d.where);
  const list = <T extends { where: string }>(key: string, items: T[], last: boolean, strip: (t: T) => unknown) => {
    push(`${JSON.stringify(key)}: [`, d.where);
    items.forEach((item, i) => push(JSON.stringify(strip(item)) + (i < items.length - 1 ? ',' : ''), item.where));
    push(last ? ']' : '],', d.where);
  };
  const component = ({ where: _w, ...c }: DescribedComponent) => c;
  list('spouts', d.spouts, false, component);
  list('bolts', d.bolts, false, component);
  list('streams', d.streams, true, ({ where: _w, ...s }) => s);
  push('}', d.where);
  return { text: lines.join('\n') + '\n', where };
}

async function describe(project: StreamparseProject, python: string, env: NodeJS.ProcessEnv): Promise<Described> {
  const pythonPath = [PYTHON_LIBRARY_DIR, ...(env.PYTHONPATH ?? '').split(path.delimiter).filter(Boolean)].join(
    path.delimiter,
  );
  const argv = [
    python,
    '-m',
    'squall.describe_topology',
    '--src',
    project.srcDir,
    '--project',
    project.dir,
    '--shown-root',
    process.cwd(),
  ];
  if (project.serializer) argv.push('--serializer', project.serializer);
  argv.push(project.topologyFile);
  let result;
  try {
    result = await runCommand(argv, {
      cwd: project.dir,
      env: { ...env, PYTHONPATH: pythonPath, PYTHONDONTWRITEBYTECODE: '1' },
    });
  } catch (err) {
    throw new StreamparseProjectError(project.shown, [
      `${(err as Error).message} (Python 3 is needed to read the topology; set SQUALL_PYTHON to use another)`,
    ]);
  }
  const last = result.stdout.trim().split('\n').pop() ?? '';
  let parsed: Described;
  try {
    parsed = JSON.parse(last) as Described;
  } catch {
    throw new StreamparseProjectError(project.shown, [
      `${python} could not evaluate ${shownPath(project.topologyFile)}: ${result.stderr.trim().split('\n').slice(-3).join(' | ') || `exit code ${result.code}`}`,
    ]);
  }
  if (parsed.problems && parsed.problems.length > 0) throw new StreamparseProjectError(project.shown, parsed.problems);
  return parsed;
}

function flag(options: LoadOptions, key: string): string | undefined {
  const v = options.flags?.[key];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Loads a streamparse project (what `sparse quickstart` makes) unmodified: reads `config.json`, picks the topology
 * module, resolves its requirements into a local virtualenv (unless `use_virtualenv` is false), evaluates the module
 * with streamparse's DSL (the installed streamparse, else Squall's), and loads the result as a YAML topology whose
 * components run in `src/` (locally) or the package's `resources/` (a copy of `src/`). At submit, the requirements
 * also go into the package as wheels for the workers' platform.
 */
export async function loadStreamparseProject(dir: string, options: LoadOptions = {}): Promise<LoadedProject> {
  const progress = options.onProgress ?? (() => undefined);
  const project = readStreamparseProject(dir, options.name);
  const shownReq = project.requirementsFile ? shownPath(project.requirementsFile) : undefined;
  let reqs: Requirements | undefined;
  if (project.requirementsFile && project.useVirtualenv) {
    reqs = readRequirements(project.requirementsFile, shownReq!, options.flags?.['real-streamparse'] === true);
    for (const p of reqs.provided)
      progress(
        `python: ${p.where}: '${p.text}' is provided by Squall's Python library (not installed; --real-streamparse installs the real one)`,
      );
    if (reqs.lines.length === 0) reqs = undefined;
  }
  let localEnv: Record<string, string> = {};
  let python = pythonExecutable();
  if (reqs) {
    const venv = await ensureLocalVirtualenv(reqs, shownReq!, progress);
    localEnv = virtualenvEnvironment(venv);
    python = path.join(venv, 'bin', 'python');
  }
  const described = await describe(project, python, { ...process.env, ...localEnv });
  if (described.note) progress(`squall: ${described.note}`);
  const { text, where } = generatedYaml(project.name, described);
  const shownFile = shownPath(project.topologyFile);
  const topology = await loadYamlTopologyText(text, {
    shown: shownFile,
    dir: project.srcDir,
    locate: (line) => where.get(line),
  });
  const wheelTarget = { platform: flag(options, 'python-platform'), pythonVersion: flag(options, 'python-version') };
  const usedReqs = reqs;
  return {
    topology,
    file: project.topologyFile,
    resourcesDir: project.srcDir,
    generated: { [GENERATED_TOPOLOGY]: text },
    entry: GENERATED_TOPOLOGY,
    localEnvironment: async () => localEnv,
    ...(usedReqs
      ? {
          stage: async (staging: string) => {
            const python = await downloadWheels(usedReqs, shownReq!, staging, wheelTarget, progress);
            return { files: ['python/'], manifest: { python } };
          },
        }
      : {}),
  };
}

/** The {@link ProjectLoader} for streamparse projects. */
export const streamparseProjectLoader: ProjectLoader = { detects: isStreamparseProject, load: loadStreamparseProject };
