import { getConfig, type Config } from './config';

/** A secret config key. */
export type SecretConfigKey = 'nimbus.auth.token' | 'squall.cluster.secret' | 'storm.zookeeper.auth.secret';

/** A secret config value (`nimbus.auth.token`, `squall.cluster.secret`...), or undefined when unset or empty. */
export function secretOf(conf: Config, key: SecretConfigKey): string | undefined {
  const v = getConfig(conf, key);
  return v !== null && v !== '' ? v : undefined;
}

/** `nimbus.auth.token`: the people's credential (CLI, UI actions). */
export const tokenOf = (conf: Config): string | undefined => secretOf(conf, 'nimbus.auth.token');

/** `squall.cluster.secret`: the daemons' credential (nimbus, supervisors, UI). */
export const clusterSecretOf = (conf: Config): string | undefined => secretOf(conf, 'squall.cluster.secret');
