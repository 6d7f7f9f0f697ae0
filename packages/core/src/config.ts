import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import {
  CONFIG_KEYS,
  type ConfigKey,
  type ConfigValue,
  type KnownConfigKey,
  type SecondsConfigKey,
} from './config-keys';
import { FORBIDDEN_CONFIG_KEYS, forbiddenKeyProblems } from './config-safety';
import { ConfigFileError, InvalidConfigError } from './errors';

/** A configuration map: Storm key names to values. Components may carry keys Squall does not know. */
export type Config = Record<string, unknown>;

/** Returns the defaults of every known key (unset keys are absent). */
export function defaultConfig(): Config {
  const out: Config = {};
  for (const [key, spec] of Object.entries(CONFIG_KEYS) as Array<[string, ConfigKey]>) {
    if (spec.default !== null) out[key] = structuredClone(spec.default);
  }
  return out;
}

/**
 * The effective configuration: every known key's default, overlaid by `layers` left to right (later wins). The one
 * way daemons, workers and local mode build the config they run with.
 * @throws InvalidConfigError as {@link mergeConfig}
 */
export function effectiveConfig(...layers: Array<Config | undefined>): Config {
  return mergeConfig(defaultConfig(), ...layers);
}

/**
 * Merges layers left to right (later wins), dropping `undefined` values. Use `null` to unset a key explicitly.
 * @throws InvalidConfigError when a layer has a key of {@link FORBIDDEN_CONFIG_KEYS} at its top level (callers that
 *   know where a layer came from should run {@link validateConfig} on it first, for an error naming the source)
 */
export function mergeConfig(...layers: Array<Config | undefined>): Config {
  const out: Config = {};
  layers.forEach((layer, i) => {
    if (!layer) return;
    for (const key of Object.keys(layer)) {
      if (FORBIDDEN_CONFIG_KEYS.includes(key))
        throw new InvalidConfigError(
          [`key '${key}' is not allowed (it would change or shadow an object's prototype)`],
          `configuration layer ${i + 1} of ${layers.length}`,
        );
      const value = layer[key];
      if (value !== undefined) out[key] = value;
    }
  });
  return out;
}

/** The problem with `value` as the value of `key` (described by `spec`), naming the key; undefined when it is fine. */
export function configValueProblem(key: string, spec: ConfigKey, value: unknown): string | undefined {
  if (value === null) return undefined;
  const show = (): string => JSON.stringify(value);
  const isNum = typeof value === 'number' && Number.isFinite(value);
  switch (spec.type) {
    case 'int':
      if (!isNum || !Number.isInteger(value)) return `${key} must be an integer, got ${show()}`;
      break;
    case 'number':
      if (!isNum) return `${key} must be a number, got ${show()}`;
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return `${key} must be true or false, got ${show()}`;
      return undefined;
    case 'string':
      if (typeof value !== 'string') return `${key} must be a string, got ${show()}`;
      return undefined;
    case 'strings':
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
        return `${key} must be a list of strings, got ${show()}`;
      return undefined;
    case 'ports':
      if (!Array.isArray(value) || value.some((v) => !Number.isInteger(v) || v < 1 || v > 65535))
        return `${key} must be a list of ports (1-65535), got ${show()}`;
      return undefined;
    case 'env':
      if (typeof value !== 'object' || Array.isArray(value))
        return `${key} must be a map of variable names to values, got ${show()}`;
      return undefined;
    case 'json': {
      // An object, or its JSON text (Storm's form, and what survives an environment variable).
      let v = value;
      if (typeof v === 'string') {
        try {
          v = JSON.parse(v);
        } catch (err) {
          return `${key} must be a JSON object, got text that is not JSON (${(err as Error).message})`;
        }
      }
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${key} must be a JSON object, got ${show()}`;
      return undefined;
    }
  }
  if (spec.min !== undefined && (value as number) < spec.min)
    return `${key} must be at least ${spec.min}, got ${show()}`;
  return undefined;
}

/**
 * Every problem with `conf`: each known key of the wrong type or out of range, and any key at any depth that is one
 * of {@link FORBIDDEN_CONFIG_KEYS}; one line each, naming the key. Unknown keys pass: Storm lets components carry
 * their own settings.
 */
export function configProblems(conf: Config): string[] {
  const problems: string[] = forbiddenKeyProblems(conf);
  for (const [key, value] of Object.entries(conf)) {
    const spec = (CONFIG_KEYS as Record<string, ConfigKey>)[key];
    if (!spec) continue;
    const problem = configValueProblem(key, spec, value);
    if (problem) problems.push(problem);
  }
  return problems;
}

/**
 * Checks every known key's type and range, and that no key at any depth is one of {@link FORBIDDEN_CONFIG_KEYS}, and
 * throws one {@link InvalidConfigError} listing all problems. Unknown keys pass: Storm lets components carry their own
 * settings.
 * @param where names the source in the error (a file, "topology conf", ...).
 */
export function validateConfig(conf: Config, where?: string): void {
  const problems = configProblems(conf);
  if (problems.length > 0) throw new InvalidConfigError(problems, where);
}

/**
 * Parses a command-line `key=value` pair. The value is read as YAML so `-c topology.workers=3` is a number,
 * `-c topology.debug=true` a boolean and `-c supervisor.slots.ports=[6700,6701]` a list; anything else stays a string.
 */
export function parseConfigAssignment(text: string): [string, unknown] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InvalidConfigError([`"${text}" is not key=value`], 'command line');
  const key = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1);
  let value: unknown = raw;
  try {
    value = parseYaml(raw);
  } catch {
    value = raw;
  }
  if (value === undefined) value = null;
  return [key, value];
}

/** Reads a squall.yaml (a flat map of Storm keys, like storm.yaml). */
export function readConfigFile(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigFileError(file, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(err));
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new ConfigFileError(file, `not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed))
    throw new ConfigFileError(file, 'must be a map of key: value');
  validateConfig(parsed as Config, file);
  return parsed as Config;
}

/**
 * Reads config from the environment: `SQUALL_CONF` names a file; `SQUALL_<KEY>` with dots as underscores sets a known
 * key (e.g. `SQUALL_NIMBUS_AUTH_TOKEN`). Values are parsed like `-c` values.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  const out: Config = {};
  for (const key of Object.keys(CONFIG_KEYS)) {
    const name = 'SQUALL_' + key.toUpperCase().replace(/[.-]/g, '_');
    const raw = env[name];
    if (raw !== undefined) out[key] = parseConfigAssignment(`${key}=${raw}`)[1];
  }
  return out;
}

/**
 * Reads a known key with the type the key table declares: its value, or its default when unset (absent or `null`).
 * A typo'd key does not compile. Values are checked as {@link validateConfig} does, so the type is true at run time.
 * @throws InvalidConfigError naming the key when its value has the wrong type or is out of range
 */
export function getConfig<K extends KnownConfigKey>(conf: Readonly<Config>, key: K): ConfigValue<K> {
  const v = conf[key];
  const spec: ConfigKey = CONFIG_KEYS[key];
  if (v === undefined || v === null) return spec.default as ConfigValue<K>;
  const problem = configValueProblem(key, spec, v);
  if (problem) throw new InvalidConfigError([problem]);
  return v as ConfigValue<K>;
}

/**
 * Reads a key in seconds as milliseconds (`null` stays `null` for keys unset by default): the one seconds-to-ms
 * conversion of config values.
 */
export function configMs<K extends SecondsConfigKey>(
  conf: Readonly<Config>,
  key: K,
): ConfigValue<K> extends number ? number : number | null {
  const secs = getConfig(conf, key) as number | null;
  return (secs === null ? null : secs * 1000) as ConfigValue<K> extends number ? number : number | null;
}
