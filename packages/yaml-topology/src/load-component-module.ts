import { existsSync } from 'node:fs';
import path from 'node:path';
import { compileModule, evaluateModule } from '@squall/packager';

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
  return evaluateModule(await compileModule(file), file) as Record<string, unknown>;
}

/** The export a YAML topology names: `default` means the default export, or the module itself when it is a class. */
export function pickExport(exports: Record<string, unknown>, name: string): unknown {
  if (name !== 'default') return exports[name];
  return exports.default ?? (typeof exports === 'function' ? exports : undefined);
}
