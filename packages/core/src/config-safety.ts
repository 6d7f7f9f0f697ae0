/**
 * Keys refused anywhere in a configuration (a submitted conf, a YAML file, `-c`, a REST body): assigning them to a
 * plain object changes its prototype (`__proto__`) or shadows what every object inherits, so a conf carrying one
 * could change how every later lookup on the merged config behaves.
 */
export const FORBIDDEN_CONFIG_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/** Nesting followed before giving up (a conf is a flat map of mostly scalars; deeper is refused too). */
const MAX_DEPTH = 32;

/**
 * One problem per forbidden key found in `value` or anything nested in it (objects and arrays), each naming the key
 * and its path from `label`, e.g. `topology conf: topology.environment.__proto__: key '__proto__' is not allowed`.
 * Only own keys are looked at, so it is safe on objects that came from `JSON.parse` or a YAML parser.
 */
export function forbiddenKeyProblems(value: unknown, label?: string): string[] {
  const problems: string[] = [];
  const seen = new Set<object>();
  const walk = (v: unknown, path: string, depth: number): void => {
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    const where = (p: string) => (label ? `${label}: ${p}` : p);
    if (depth > MAX_DEPTH) {
      problems.push(`${where(path)}: nested more than ${MAX_DEPTH} levels deep`);
      return;
    }
    if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, `${path}[${i}]`, depth + 1));
      return;
    }
    for (const key of Object.keys(v)) {
      const p = path ? `${path}.${key}` : key;
      if (FORBIDDEN_CONFIG_KEYS.includes(key))
        problems.push(`${where(p)}: key '${key}' is not allowed (it would change or shadow an object's prototype)`);
      else walk((v as Record<string, unknown>)[key], p, depth + 1);
    }
  };
  walk(value, '', 0);
  return problems;
}
