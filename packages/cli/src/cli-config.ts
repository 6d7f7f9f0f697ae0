import {
  configFromEnv,
  mergeConfig,
  parseConfigAssignment,
  readConfigFile,
  validateConfig,
  type Config,
} from '@squall/core';

/** Collects repeated `-c key=value` options (commander accumulator). */
export function collectConfig(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * The configuration a command runs with: `squall.yaml` (from `--config` or `SQUALL_CONF`), then `SQUALL_*`
 * environment variables, then `-c key=value` options, later layers winning.
 * @throws InvalidConfigError / ConfigFileError naming the bad key or file
 */
export function loadCliConfig(options: { config?: string; c?: string[] }): Config {
  const file = options.config ?? process.env.SQUALL_CONF;
  const fromFile = file ? readConfigFile(file) : {};
  const fromArgs = Object.fromEntries((options.c ?? []).map(parseConfigAssignment));
  validateConfig(fromArgs, 'command line');
  const fromEnv = configFromEnv();
  validateConfig(fromEnv, 'environment');
  return mergeConfig(fromFile, fromEnv, fromArgs);
}
