// Runs in a worker thread (see type-check.ts): type-checks one module and posts back its problems, one
// `file:line:col: message` each. Kept apart so loading TypeScript (and @types/node) never blocks the caller's thread.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type * as TS from 'typescript';

interface Job {
  file: string;
  cwd: string;
  /** node_modules holding the installed `@squall/*` runtime, which the module's `@squall/*` imports mean. */
  runtime?: string;
}

/** Where the incremental `.tsbuildinfo` files live: `$SQUALL_CACHE_DIR`, `$XDG_CACHE_HOME/squall`, or `~/.cache/squall`. */
function cacheDir(): string {
  const base =
    process.env.SQUALL_CACHE_DIR ||
    path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'squall');
  return path.join(base, 'typecheck');
}

/**
 * The files a clean check read: while none has changed, the module still type-checks. Only clean checks are kept: a
 * problem may come from a file that was not there (`Cannot find module './x'`), which no stamp would see appear.
 */
interface Stamped {
  files: Array<[file: string, mtimeMs: number, size: number]>;
}

function stamp(file: string): [string, number, number] {
  try {
    const st = statSync(file);
    return [file, st.mtimeMs, st.size];
  } catch {
    return [file, -1, -1];
  }
}

/** Whether the last check was clean and none of the files it read has changed (then TypeScript is not even loaded). */
function stillClean(stampFile: string): boolean {
  try {
    const last = JSON.parse(readFileSync(stampFile, 'utf8')) as Stamped;
    return last.files.every(([f, m, s]) => {
      const [, mm, ss] = stamp(f);
      return mm === m && ss === s;
    });
  } catch {
    return false;
  }
}

// Loaded only when a check has to run: loading the compiler alone takes about half a second.
let ts: typeof TS;

function format(d: TS.Diagnostic, cwd: string): string {
  const text = ts.flattenDiagnosticMessageText(d.messageText, '\n  ');
  if (!d.file || d.start === undefined) return text;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${path.relative(cwd, d.file.fileName) || d.file.fileName}:${line + 1}:${character + 1}: ${text}`;
}

function check(job: Job): string[] {
  const dir = cacheDir();
  const key = createHash('sha256')
    .update(`${job.file}\0${job.cwd}\0${job.runtime ?? ''}`)
    .digest('hex')
    .slice(0, 16);
  const stampFile = path.join(dir, `${key}.json`);
  if (stillClean(stampFile)) return [];
  // A require, not an import: a check answered from the stamps must not pay for loading the compiler.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ts = require('typescript') as typeof TS;
  mkdirSync(dir, { recursive: true });
  const { problems, read } = runCompiler(job, path.join(dir, `${key}.tsbuildinfo`));
  if (problems.length === 0) {
    const stamped: Stamped = { files: [...new Set([...read, require.resolve('typescript')])].map(stamp) };
    writeFileSync(stampFile, JSON.stringify(stamped));
  } else rmSync(stampFile, { force: true });
  return problems;
}

function runCompiler({ file, cwd, runtime }: Job, tsBuildInfoFile: string): { problems: string[]; read: string[] } {
  /** Options for a module with no tsconfig above it: what the examples and `squall quickstart --typescript` use. */
  const defaults: TS.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    lib: ['lib.es2023.d.ts'],
    strict: true,
    esModuleInterop: true,
  };
  const config = ts.findConfigFile(path.dirname(file), (f) => ts.sys.fileExists(f));
  const problems: TS.Diagnostic[] = [];
  const read: string[] = config ? [config] : [];
  let options: TS.CompilerOptions = defaults;
  if (config) {
    const parsed = ts.getParsedCommandLineOfConfigFile(
      config,
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => problems.push(d),
      },
    );
    if (parsed) {
      options = parsed.options;
      read.push(
        ...((parsed.options.configFile as { extendedSourceFiles?: string[] } | undefined)?.extendedSourceFiles ?? []),
      );
      // A config's `files: []` / include errors are about its own file list, not this module's: only options matter.
      problems.push(...parsed.errors.filter((d) => d.code !== 18002 && d.code !== 18003));
    }
    if (problems.length > 0) return { problems: problems.map((d) => format(d, cwd)), read };
  }
  const { rootDir, outDir, composite, declaration, declarationMap, emitDeclarationOnly, sourceMap, ...rest } = options;
  void [rootDir, outDir, composite, declaration, declarationMap, emitDeclarationOnly, sourceMap];
  const final: TS.CompilerOptions = {
    ...rest,
    // Only this module and what it imports are checked; declaration files are trusted, not checked; nothing is
    // written but the compiler's incremental state (it spares re-checking unchanged files after an edit).
    types: rest.types ?? ['node'],
    // As when it runs (compile-module.ts), `@squall/*` is this installation's, wherever the module lives.
    ...(runtime ? { paths: { [`@squall/*`]: [path.join(runtime, '@squall', '*')], ...rest.paths } } : {}),
    skipLibCheck: true,
    noEmit: true,
    incremental: true,
    tsBuildInfoFile,
  };
  const host = ts.createIncrementalCompilerHost(final);
  // A module outside any project with @types (a temp dir, say) gets this installation's, as it gets its `@squall/*`.
  if (runtime && !rest.typeRoots)
    final.typeRoots = [...(ts.getEffectiveTypeRoots(final, host) ?? []), path.join(runtime, '@types')];
  const program = ts.createIncrementalProgram({ rootNames: [file], options: final, host });
  problems.push(
    ...program.getOptionsDiagnostics(),
    ...program.getSyntacticDiagnostics(),
    ...program.getSemanticDiagnostics(),
  );
  program.emit();
  read.push(...program.getSourceFiles().map((f) => f.fileName));
  return { problems: ts.sortAndDeduplicateDiagnostics(problems).map((d) => format(d, cwd)), read };
}

try {
  parentPort!.postMessage({ problems: check(workerData as Job) });
} catch (err) {
  parentPort!.postMessage({ failure: (err as Error)?.message ?? String(err) });
}
