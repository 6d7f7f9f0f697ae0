import { configMs, getConfig, type Config } from '@squall/core';

/** Nimbus's own settings, parsed once from its configuration; defaults come from the key table. */
export interface NimbusSettings {
  /** `nimbus.host`: address nimbus binds and advertises. */
  host: string;
  /** `nimbus.port` (0 picks a free one). */
  port: number;
  /** `storm.local.dir`. */
  localDir: string;
  /** `nimbus.metrics.port`; `null` means no /metrics endpoint. */
  metricsPort: number | null;
  /** `nimbus.monitor.freq.secs`, ms: period of the reconciler and the package replicator. */
  monitorMs: number;
  /** `nimbus.supervisor.timeout.secs`, ms. */
  supervisorTimeoutMs: number;
  /** `nimbus.task.timeout.secs`, ms. */
  taskTimeoutMs: number;
  /** `nimbus.package.max.bytes`. */
  packageMaxBytes: number;
}

/**
 * Nimbus's settings from its (effective) configuration.
 * @throws InvalidConfigError naming the key when a value has the wrong type
 */
export function nimbusSettings(conf: Config): NimbusSettings {
  return {
    host: getConfig(conf, 'nimbus.host'),
    port: getConfig(conf, 'nimbus.port'),
    localDir: getConfig(conf, 'storm.local.dir'),
    metricsPort: getConfig(conf, 'nimbus.metrics.port'),
    monitorMs: configMs(conf, 'nimbus.monitor.freq.secs'),
    supervisorTimeoutMs: configMs(conf, 'nimbus.supervisor.timeout.secs'),
    taskTimeoutMs: configMs(conf, 'nimbus.task.timeout.secs'),
    packageMaxBytes: getConfig(conf, 'nimbus.package.max.bytes'),
  };
}
