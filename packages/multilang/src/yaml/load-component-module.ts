import { existsSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';

/** The part of esbuild's API used here. */
interface Esbuild {
  build(options: Record<string, unknown>): Promise<{ outputFiles: Array<{ text: string }> }>;
}

/**
 * esbuild, as installed for @squall/packager (which compiles TypeScript topologies with it). Resolved through the
 * packager rather than declared again here, so both compile with the same copy.
 */
function esbuild(): Esbuild {
  const fromPackager = Module.createRequire(require.resolve('@squall/packager'));
  return fromPackager('esbuild') as Esbuild;
}

/**
 * Loads a JavaScript or TypeScript module named by a YAML topology (relative to the YAML file's directory, or a
 * package name): compiled with esbuild to CommonJS, its npm imports left external and `@squall/*` resolved from this
 * installation, as the packager does for topology modules, so the component and the engine share one copy of the
 * API. Returns its exports.
 * @throws Error describing why it cannot be found, compiled or evaluated
 */
export async function loadComponentModule(specifier: string, yamlDir: string): Promise<Record<string, unknown>> {
  const local = specifier.startsWith('.') || path.isAbsolute(specifier);
  const file = local ? path.resolve(yamlDir, specifier) : require.resolve(specifier, { paths: [yamlDir] });
  if (!existsSync(file)) throw new Error(`no such file: ${file}`);
  const result = await esbuild().build({
    entryPoints: [file],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  const runtimeModules = (require.resolve.paths('@squall/api') ?? []).find((p) => existsSync(path.join(p, '@squall', 'api')));
  const m = new Module(file, module) as Module & { _compile(code: string, filename: string): void; paths: string[] };
  m.filename = file;
  const own = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  m.paths = runtimeModules ? [runtimeModules, ...own] : own;
  m._compile(result.outputFiles[0]!.text, file);
  return m.exports as Record<string, unknown>;
}

/** The export a YAML topology names: `default` means the default export, or the module itself when it is a class. */
export function pickExport(exports: Record<string, unknown>, name: string): unknown {
  if (name !== 'default') return exports[name];
  return exports.default ?? (typeof exports === 'function' ? exports : undefined);
}
