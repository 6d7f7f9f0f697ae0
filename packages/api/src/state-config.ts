import { getConfig, type Config } from '@squall/core';

export const PROVIDER_KEY = 'topology.state.provider';
export const PROVIDER_CONFIG_KEY = 'topology.state.provider.config';

/** Provider names, with Storm's provider classes as aliases so a Storm topology's config works unchanged. */
const ALIASES: Record<string, 'memory' | 'redis'> = {
  memory: 'memory',
  redis: 'redis',
  'org.apache.storm.state.InMemoryKeyValueStateProvider': 'memory',
  'org.apache.storm.redis.state.RedisKeyValueStateProvider': 'redis',
};

/** Where the Redis provider connects, and how it names its keys. */
export interface RedisStateOptions {
  host: string;
  port: number;
  password: string | undefined;
  database: number;
  /** Connect/command timeout, ms. */
  timeoutMs: number;
  /** Prepended to every key (e.g. to share one Redis between clusters). */
  keyPrefix: string;
}

/** The provider a topology's configuration asks for. */
export type StateProviderChoice = { name: 'memory' } | { name: 'redis'; options: RedisStateOptions };

/** A problem with the state configuration, naming the key and what is wrong. */
export class StateConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'StateConfigError';
  }
}

function redisOptions(raw: Record<string, unknown>, problems: string[]): RedisStateOptions {
  // Storm's form nests the connection under jedisPoolConfig; Squall's is flat. Both may be given, the flat one wins.
  const pool =
    typeof raw.jedisPoolConfig === 'object' && raw.jedisPoolConfig !== null
      ? (raw.jedisPoolConfig as Record<string, unknown>)
      : {};
  const pick = (name: string): unknown => (raw[name] !== undefined ? raw[name] : pool[name]);
  const where = (name: string) => `${PROVIDER_CONFIG_KEY}: '${name}'`;
  const str = (name: string, def: string | undefined): string | undefined => {
    const v = pick(name);
    if (v === undefined || v === null) return def;
    if (typeof v !== 'string' || v === '')
      problems.push(`${where(name)} must be a non-empty string, got ${JSON.stringify(v)}`);
    return typeof v === 'string' ? v : def;
  };
  const int = (name: string, def: number, min: number, max: number): number => {
    const v = pick(name);
    if (v === undefined || v === null) return def;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      problems.push(`${where(name)} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
      return def;
    }
    return v;
  };
  for (const key of Object.keys(raw))
    if (
      ![
        'host',
        'port',
        'password',
        'database',
        'timeout',
        'keyPrefix',
        'jedisPoolConfig',
        'keyClass',
        'valueClass',
        'keySerializerClass',
        'valueSerializerClass',
      ].includes(key)
    )
      problems.push(
        `${PROVIDER_CONFIG_KEY}: unknown setting '${key}' (known: host, port, password, database, timeout, keyPrefix, jedisPoolConfig)`,
      );
  return {
    host: str('host', '127.0.0.1')!,
    port: int('port', 6379, 1, 65535),
    password: str('password', undefined),
    database: int('database', 0, 0, 65535),
    timeoutMs: int('timeout', 2000, 1, 3_600_000),
    keyPrefix: str('keyPrefix', '') ?? '',
  };
}

/** Every problem of the state configuration in `conf` (empty when fine): for validation at submit. */
export function stateConfigProblems(conf: Config): string[] {
  const problems: string[] = [];
  stateProviderChoiceOf(conf, problems);
  return problems;
}

/** The provider `conf` asks for; throws {@link StateConfigError} listing every problem. */
export function stateProviderChoice(conf: Config): StateProviderChoice {
  const problems: string[] = [];
  const choice = stateProviderChoiceOf(conf, problems);
  if (problems.length > 0) throw new StateConfigError(problems);
  return choice;
}

function stateProviderChoiceOf(conf: Config, problems: string[]): StateProviderChoice {
  const configured = conf[PROVIDER_KEY] ?? getConfig({}, PROVIDER_KEY);
  const name = typeof configured === 'string' ? ALIASES[configured] : undefined;
  if (!name) {
    problems.push(
      `${PROVIDER_KEY}: unknown state provider ${JSON.stringify(configured)} (known: ${Object.keys(ALIASES).join(', ')})`,
    );
    return { name: 'memory' };
  }
  const rawText = conf[PROVIDER_CONFIG_KEY];
  let raw: Record<string, unknown> = {};
  if (rawText !== undefined && rawText !== null) {
    let parsed: unknown = rawText;
    if (typeof rawText === 'string') {
      try {
        parsed = JSON.parse(rawText);
      } catch (err) {
        problems.push(`${PROVIDER_CONFIG_KEY}: not valid JSON: ${(err as Error).message}`);
        parsed = {};
      }
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      problems.push(`${PROVIDER_CONFIG_KEY}: must be a JSON object, got ${JSON.stringify(parsed)}`);
    else raw = parsed as Record<string, unknown>;
  }
  if (name === 'memory') return { name };
  return { name, options: redisOptions(raw, problems) };
}
