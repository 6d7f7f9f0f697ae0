import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Message } from 'esbuild';
import { isTopology, type Topology } from '@squall/api';
import { TopologyLoadError } from './errors';
import { compileModule, evaluateModule } from './compile-module';
import { resolveTopologyEntry } from './resolve-entry';
import { isTypeScript, typeCheckModule } from './type-check';

/** Packages provided by the Squall runtime: never bundled, so user code and the engine share one copy. */
export const RUNTIME_PACKAGES = ['@squall/*', 'squall'];

/** A loaded topology module. */
export interface LoadedTopology {
  topology: Topology;
  /** Absolute path of the entry file. */
  file: string;
  /** Directory of the entry file (resources and shell components are looked up there). */
  dir: string;
  /** Set when the target was a project directory read by a {@link ProjectLoader}. */
  project?: LoadedProject;
  /**
   * Set for a TypeScript module loaded with `typeCheck`: its type check, still running when the topology is returned.
   * Resolves to the error to report (every problem with file and line), or undefined when it type-checks.
   */
  typeErrors?: Promise<TopologyLoadError | undefined>;
}

/** What `squall local` and `squall submit` pass on to a {@link ProjectLoader}. */
export interface LoadOptions {
  /** Which topology of a project holding several (`--name`). */
  name?: string;
  /** Progress lines for the user (the CLI prints them on stderr). */
  onProgress?: (line: string) => void;
  /** Loader-specific switches from the command line. */
  flags?: Readonly<Record<string, string | boolean | undefined>>;
  /** Type-check a TypeScript module alongside compiling it (see {@link LoadedTopology.typeErrors}). @default false */
  typeCheck?: boolean;
  /** Loaders of YAML topologies and project directories; without them only JS/TS modules load. */
  loaders?: TopologyLoaders;
}

/** A project read by a {@link ProjectLoader}: its topology and how to package and run it. */
export interface LoadedProject {
  topology: Topology;
  /** Absolute path of the file that defines the topology. */
  file: string;
  /** Directory the components run in locally; copied whole as the package's `resources/`. */
  resourcesDir: string;
  /** Files added to the package's `resources/` (relative path to content); {@link entry} is one of them. */
  generated: Readonly<Record<string, string>>;
  /** Path inside `resources/` of the file workers load the topology from (a registered loader's extension). */
  entry: string;
  /** Adds more to the package (e.g. Python wheels) in its staging directory: the names added and manifest fields. */
  stage?: (stagingDir: string) => Promise<{ files: string[]; manifest?: Record<string, unknown> }>;
  /** Prepares what `squall local` needs (e.g. a Python virtualenv): environment variables for this process. */
  localEnvironment?: () => Promise<Record<string, string>>;
}

/** Reads a kind of project directory that is not a topology module (a streamparse project, say). */
export interface ProjectLoader {
  /** Whether `dir` is such a project. */
  detects(dir: string): boolean;
  /** @throws an error naming the file and line of every problem */
  load(dir: string, options: LoadOptions): Promise<LoadedProject>;
}

/** Reads a topology file of a type other than a JS/TS module (a YAML topology, say). */
export type TopologyFileLoader = (file: string) => Promise<Topology>;

/**
 * The loaders of topologies that are not a JS/TS module. Passed where a process is composed (the CLI for
 * `squall local` and `squall submit`, the worker's entry point for packages): nothing is registered globally, so a
 * process that was not given a loader says so instead of misreading the file.
 */
export interface TopologyLoaders {
  /** File loaders by extension, dot included (`.yaml`). */
  files?: Readonly<Record<string, TopologyFileLoader>>;
  /** Project loaders, consulted in order for a directory target before the topology file names. */
  projects?: readonly ProjectLoader[];
}

/** The file loader `loaders` holds for `file`'s extension, if any. */
export function fileLoaderFor(loaders: TopologyLoaders | undefined, file: string): TopologyFileLoader | undefined {
  const extension = path.extname(file);
  return loaders?.files && Object.hasOwn(loaders.files, extension) ? loaders.files[extension] : undefined;
}

/** Extensions of topology files only a {@link TopologyFileLoader} reads. */
const NON_MODULE_EXTENSIONS = new Set(['.yaml', '.yml']);

function formatMessage(m: Message): string {
  const loc = m.location
    ? `${path.relative(process.cwd(), m.location.file) || m.location.file}:${m.location.line}:${m.location.column + 1}: `
    : '';
  return `${loc}${m.text}`;
}

/**
 * Compiles a TypeScript or JavaScript topology module with esbuild in memory and evaluates it as if it lived at its
 * own path (so its imports resolve from there). Accepts as the topology: the default export, an export named
 * `topology`, the module itself, or a (possibly async) function returning one.
 * @throws TopologyLoadError naming the file and the problem (missing, compile error with location, throws on load,
 * exports no topology)
 */
export async function loadTopology(
  target: string,
  cwd = process.cwd(),
  options: LoadOptions = {},
): Promise<LoadedTopology> {
  const abs = path.resolve(cwd, target);
  const projectLoader =
    existsSync(abs) && statSync(abs).isDirectory() ? options.loaders?.projects?.find((l) => l.detects(abs)) : undefined;
  if (projectLoader) {
    const project = await projectLoader.load(abs, options);
    return { topology: project.topology, file: project.file, dir: project.resourcesDir, project };
  }
  const file = resolveTopologyEntry(target, cwd);
  const dir = path.dirname(file);
  const custom = fileLoaderFor(options.loaders, file);
  if (custom) return { topology: await custom(file), file, dir };
  const shown = path.relative(cwd, file) || file;
  if (NON_MODULE_EXTENSIONS.has(path.extname(file)))
    throw new TopologyLoadError(shown, `no loader for ${path.extname(file)} topologies was given to this process`);
  // Started first so the check (seconds when nothing is cached) overlaps the compile and the topology's start.
  const typeErrors = options.typeCheck && isTypeScript(file) ? typeCheckModule(file, cwd) : undefined;
  let code: string;
  try {
    code = await compileModule(file);
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    const detail = errors && errors.length > 0 ? errors.map(formatMessage).join('; ') : String(err);
    throw new TopologyLoadError(shown, `does not compile: ${detail}`, { cause: err });
  }
  let exports: unknown;
  try {
    exports = evaluateModule(code, file);
  } catch (err) {
    throw new TopologyLoadError(shown, `failed while loading: ${(err as Error)?.message ?? String(err)}`, {
      cause: err,
    });
  }
  const topology = await pickTopology(exports);
  if (!topology)
    throw new TopologyLoadError(
      shown,
      'does not export a topology (export default a Topology from topology() or TopologyBuilder.createTopology())',
    );
  return { topology, file, dir, ...(typeErrors ? { typeErrors } : {}) };
}

/** Picks the topology out of a module's exports (default, `topology`, the module, or a function making one). */
export async function pickTopology(exports: unknown): Promise<Topology | undefined> {
  const e = exports as Record<string, unknown> | undefined;
  for (const candidate of [e?.default, e?.topology, e]) {
    if (isTopology(candidate)) return candidate;
    if (typeof candidate === 'function' && !/^class[\s{]/.test(Function.prototype.toString.call(candidate))) {
      const made = await (candidate as () => unknown)();
      if (isTopology(made)) return made;
    }
  }
  return undefined;
}
