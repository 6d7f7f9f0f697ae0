import { configMs, getConfig, type Config } from '@squall/core';

/** A worker's settings, parsed once from its topology's (effective) configuration; defaults come from the key table. */
export interface WorkerSettings {
  /** `topology.transfer.buffer.size`: tuples per remote batch. */
  transferBatchSize: number;
  /** `topology.max.tuple.bytes`. */
  maxTupleBytes: number;
  /** `worker.heartbeat.frequency.secs`, ms. */
  heartbeatMs: number;
  /** `supervisor.worker.timeout.secs`, ms: a worker whose supervisor is silent this long exits. */
  supervisorTimeoutMs: number;
  /** `supervisor.worker.shutdown.sleep.secs`, ms: what a stopping worker has before it is killed. */
  shutdownMs: number;
  /** `topology.tap.buffer.size`: tuples one tap buffers before it drops. */
  tapBufferSize: number;
}

/**
 * A worker's settings from its topology's configuration.
 * @throws InvalidConfigError naming the key when a value has the wrong type
 */
export function workerSettings(conf: Config): WorkerSettings {
  return {
    transferBatchSize: getConfig(conf, 'topology.transfer.buffer.size'),
    maxTupleBytes: getConfig(conf, 'topology.max.tuple.bytes'),
    heartbeatMs: configMs(conf, 'worker.heartbeat.frequency.secs'),
    supervisorTimeoutMs: configMs(conf, 'supervisor.worker.timeout.secs'),
    shutdownMs: configMs(conf, 'supervisor.worker.shutdown.sleep.secs'),
    tapBufferSize: getConfig(conf, 'topology.tap.buffer.size'),
  };
}
