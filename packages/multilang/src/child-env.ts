import path from 'node:path';

/**
 * The environment of a child: the worker's own, then `topology.environment`, then the component's `env`. A `PATH`
 * from the later layers is appended to the inherited PATH rather than replacing it (so `python3` is still found); a
 * `PYTHONPATH` goes in front of the inherited one (its entries win, the inherited ones still resolve);
 * `pythonLibrary`, when given, is appended to PYTHONPATH so that user-provided entries win, and its `bin/` to PATH
 * (Squall's `streamparse_run`, used only when no installed one comes earlier on PATH).
 */
export function childEnvironment(
  base: NodeJS.ProcessEnv,
  layers: ReadonlyArray<Readonly<Record<string, unknown>> | undefined>,
  pythonLibrary: string | undefined,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const layer of layers) {
    if (!layer || typeof layer !== 'object') continue;
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined || value === null) continue;
      const text = String(value);
      if (key === 'PATH') env.PATH = [env.PATH, text].filter(Boolean).join(path.delimiter);
      else if (key === 'PYTHONPATH') env.PYTHONPATH = [text, env.PYTHONPATH].filter(Boolean).join(path.delimiter);
      else env[key] = text;
    }
  }
  if (pythonLibrary) {
    const parts = (env.PYTHONPATH ?? '').split(path.delimiter).filter(Boolean);
    if (!parts.includes(pythonLibrary)) parts.push(pythonLibrary);
    env.PYTHONPATH = parts.join(path.delimiter);
    const bin = path.join(pythonLibrary, 'bin');
    const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
    if (!dirs.includes(bin)) env.PATH = [...dirs, bin].join(path.delimiter);
  }
  return env;
}
