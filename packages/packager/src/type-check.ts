import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { runtimeModulesDir } from './compile-module';
import { TopologyLoadError } from './errors';

/** Whether `file` is TypeScript that {@link typeCheckModule} checks (`.ts`, `.mts`, `.cts`, not `.d.ts`). */
export function isTypeScript(file: string): boolean {
  return /\.[mc]?ts$/.test(file) && !file.endsWith('.d.ts');
}

/**
 * Type-checks a TypeScript module and what it imports with the compiler options of the nearest `tsconfig.json` at or
 * above its directory (else strict defaults), in a worker thread, so it runs while esbuild compiles and the topology
 * starts. Declaration files are not checked (`skipLibCheck`) and the compiler's incremental state is kept in
 * `~/.cache/squall/typecheck` (`$SQUALL_CACHE_DIR`), so a check of an unchanged module is cheap.
 * Resolves to undefined when it type-checks, else to a TopologyLoadError listing every problem as
 * `file:line:col: message` (paths relative to `cwd`); never rejects, so an unawaited check cannot crash the process.
 */
export function typeCheckModule(file: string, cwd = process.cwd()): Promise<TopologyLoadError | undefined> {
  const shown = path.relative(cwd, file) || file;
  return new Promise((resolve) => {
    let settled = false;
    const done = (err: TopologyLoadError | undefined) => {
      if (!settled) resolve(err);
      settled = true;
    };
    const worker = new Worker(path.join(__dirname, 'type-check-worker.js'), {
      workerData: { file, cwd, runtime: runtimeModulesDir() },
    });
    worker.on('message', (m: { problems?: string[]; failure?: string }) => {
      if (m.failure !== undefined)
        done(new TopologyLoadError(shown, `cannot be type-checked (--no-typecheck skips it): ${m.failure}`));
      else if (m.problems && m.problems.length > 0)
        done(
          new TopologyLoadError(
            shown,
            `does not type-check (--no-typecheck skips it):\n${m.problems.map((p) => `  ${p}`).join('\n')}`,
          ),
        );
      else done(undefined);
    });
    worker.on('error', (err) =>
      done(
        new TopologyLoadError(shown, `cannot be type-checked (--no-typecheck skips it): ${err.message}`, {
          cause: err,
        }),
      ),
    );
    worker.on('exit', (code) =>
      done(
        code === 0
          ? undefined
          : new TopologyLoadError(shown, `cannot be type-checked: the checker exited with code ${code}`),
      ),
    );
  });
}
