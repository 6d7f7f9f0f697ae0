import { configMs, getConfig, type Config } from '@squall/core';

/** A supervisor's own settings, parsed once from its configuration; defaults come from the key table. */
export interface SupervisorSettings {
  /** `supervisor.host`: address advertised for its workers. */
  host: string;
  /** `supervisor.port` (0 picks a free one). */
  port: number;
  /** `supervisor.slots.ports`: one worker slot per port. */
  slotPorts: number[];
  /** `storm.local.dir`. */
  localDir: string;
  /** `worker.childopts`: the operator's Node.js flags for every worker. */
  workerChildopts: string;
  /** `supervisor.worker.start.timeout.secs`, ms. */
  workerStartTimeoutMs: number;
  /** `supervisor.worker.timeout.secs`, ms. */
  workerTimeoutMs: number;
  /** `supervisor.worker.shutdown.sleep.secs`, ms. */
  workerShutdownMs: number;
  /** `supervisor.heartbeat.frequency.secs`, ms. */
  heartbeatMs: number;
  /** `supervisor.monitor.frequency.secs`, ms: how often slots and workers are checked. */
  monitorMs: number;
  /** `supervisor.package.max.bytes`. */
  packageMaxBytes: number;
}

/**
 * A supervisor's settings from its (effective) configuration.
 * @throws InvalidConfigError naming the key when a value has the wrong type
 */
export function supervisorSettings(conf: Config): SupervisorSettings {
  return {
    host: getConfig(conf, 'supervisor.host'),
    port: getConfig(conf, 'supervisor.port'),
    slotPorts: getConfig(conf, 'supervisor.slots.ports'),
    localDir: getConfig(conf, 'storm.local.dir'),
    workerChildopts: getConfig(conf, 'worker.childopts'),
    workerStartTimeoutMs: configMs(conf, 'supervisor.worker.start.timeout.secs'),
    workerTimeoutMs: configMs(conf, 'supervisor.worker.timeout.secs'),
    workerShutdownMs: configMs(conf, 'supervisor.worker.shutdown.sleep.secs'),
    heartbeatMs: configMs(conf, 'supervisor.heartbeat.frequency.secs'),
    monitorMs: configMs(conf, 'supervisor.monitor.frequency.secs'),
    packageMaxBytes: getConfig(conf, 'supervisor.package.max.bytes'),
  };
}
