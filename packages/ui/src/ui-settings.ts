import { configMs, getConfig, nimbusSeedAddresses, type Config } from '@squall/core';

/** The UI daemon's settings, parsed once from its configuration; defaults come from the key table. */
export interface UiSettings {
  /** `ui.host`: address the UI binds. */
  host: string;
  /** `ui.port` (0 picks a free one). */
  port: number;
  /** `ui.allowed.hosts`; `null` means the default rule (see the key's doc). */
  allowedHosts: string[] | null;
  /** `ui.nimbus.timeout.secs`, ms. */
  nimbusTimeoutMs: number;
  /** Nimbus addresses to try, from `nimbus.seeds` and `nimbus.port`. */
  nimbusCandidates: string[];
}

/**
 * The UI's settings from its (effective) configuration.
 * @throws InvalidConfigError naming the key when a value has the wrong type
 */
export function uiSettings(conf: Config): UiSettings {
  return {
    host: getConfig(conf, 'ui.host'),
    port: getConfig(conf, 'ui.port'),
    allowedHosts: getConfig(conf, 'ui.allowed.hosts'),
    nimbusTimeoutMs: configMs(conf, 'ui.nimbus.timeout.secs'),
    nimbusCandidates: nimbusSeedAddresses(conf),
  };
}
