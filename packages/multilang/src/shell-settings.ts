import { configMs, getConfig, type Config } from '@squall/core';

/** What shell components read from their (component-merged) configuration; defaults come from the key table. */
export interface ShellSettings {
  /** `topology.shellbolt.max.pending`: inputs written to a shell bolt and not yet settled. */
  boltMaxPending: number;
  /** `topology.shellspout.max.pending`: `next` commands written to a shell spout ahead of their syncs. */
  spoutMaxPending: number;
  /** `topology.max.spout.pending`; `null` when unset. */
  maxSpoutPending: number | null;
  /** `topology.executor.receive.buffer.size`: inputs a shell bolt holds before it pauses the spouts. */
  receiveBufferSize: number;
  /** `topology.subprocess.timeout.secs`, else `supervisor.worker.timeout.secs`, ms: a silent child is restarted. */
  heartbeatTimeoutMs: number;
  /** `topology.environment`: extra variables for the child; `null` when unset. */
  environment: Record<string, unknown> | null;
}

/**
 * A shell component's settings from the configuration it was opened or prepared with.
 * @throws InvalidConfigError naming the key when a value has the wrong type
 */
export function shellSettings(conf: Config): ShellSettings {
  return {
    boltMaxPending: getConfig(conf, 'topology.shellbolt.max.pending'),
    spoutMaxPending: getConfig(conf, 'topology.shellspout.max.pending'),
    maxSpoutPending: getConfig(conf, 'topology.max.spout.pending'),
    receiveBufferSize: getConfig(conf, 'topology.executor.receive.buffer.size'),
    heartbeatTimeoutMs:
      configMs(conf, 'topology.subprocess.timeout.secs') ?? configMs(conf, 'supervisor.worker.timeout.secs'),
    environment: getConfig(conf, 'topology.environment'),
  };
}
