import { existsSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';

/**
 * The node_modules directory this installation resolves `@squall/*` from (workspace symlinks or a real install), or
 * undefined when the runtime packages cannot be found.
 */
export function runtimeModulesDir(): string | undefined {
  return (require.resolve.paths('@squall/api') ?? []).find((p) => existsSync(path.join(p, '@squall', 'api')));
}

/**
 * Compiles a TypeScript or JavaScript module to one CommonJS text with esbuild, in memory: its own relative imports
 * bundled, npm packages left external (resolved where the module lives, and `@squall/*` from this installation).
 * @throws esbuild's error (with `errors` and their locations) when it does not compile
 */
export async function compileModule(file: string): Promise<string> {
  const result = await build({
    entryPoints: [file],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    // The output is placed, for esbuild, beside the entry file: the inline map's sources are then relative to the
    // module's own directory, which is where Node resolves them from (`file` is what the code is evaluated as). Without
    // it they are relative to the working directory and name the wrong files whenever the two differ in depth.
    outfile: path.join(path.dirname(path.resolve(file)), '__squall_module__.js'),
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/**
 * Evaluates CommonJS `code` as if it were the file `file`: its requires resolve from the file's directory, with the
 * Squall runtime packages resolved from this installation first, so user code and the engine share one copy of
 * `@squall/api` (its classes and symbols). Turns on Node's source maps, so stack traces through it name the user's
 * source files and lines. Returns the module's exports.
 * @throws whatever the module throws while loading
 */
export function evaluateModule(code: string, file: string): unknown {
  const m = new Module(file, module) as Module & { _compile(code: string, filename: string): void; paths: string[] };
  m.filename = file;
  const own = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  const runtime = runtimeModulesDir();
  m.paths = runtime ? [runtime, ...own] : own;
  // Stacks through the user's code then name their own files and lines (the code carries an inline source map).
  // Turned on here, not at start-up, so only modules compiled from now on have their maps read.
  process.setSourceMapsEnabled(true);
  m._compile(code, file);
  return m.exports;
}
