import type { Config } from './config';

/** A secret config value (`nimbus.auth.token`, `squall.cluster.secret`...), or undefined when unset or empty. */
export function secretOf(conf: Config, key: string): string | undefined {
  const v = conf[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** `nimbus.auth.token`: the people's credential (CLI, UI actions). */
export const tokenOf = (conf: Config): string | undefined => secretOf(conf, 'nimbus.auth.token');

/** `squall.cluster.secret`: the daemons' credential (nimbus, supervisors, UI). */
export const clusterSecretOf = (conf: Config): string | undefined => secretOf(conf, 'squall.cluster.secret');
