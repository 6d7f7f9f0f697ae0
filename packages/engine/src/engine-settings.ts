import { configMs, getConfig, type Config } from '@squall/core';

/** The spout wait strategy when `nextTuple` emits nothing (Storm's progressive one). */
export interface SpoutWaitSettings {
  /** `topology.spout.wait.progressive.level1.count`: empty calls retried at once. */
  level1Count: number;
  /** `topology.spout.wait.progressive.level2.count`: then empty rounds that only yield. */
  level2Count: number;
  /** `topology.spout.wait.progressive.level3.sleep.millis`: then the sleep between calls. */
  sleepMs: number;
}

/**
 * What the engine reads from a topology's configuration, parsed once per worker (topology conf) and once per executor
 * (topology conf with the component's own over it); defaults come from the key table.
 */
export interface EngineSettings {
  /** How long a tracked tuple tree may take: {@link messageTimeoutMs}. */
  messageTimeoutMs: number;
  /** `topology.max.spout.pending`; Infinity when unset. */
  maxSpoutPending: number;
  /** `topology.executor.receive.buffer.size`: an executor queue over it pauses the spouts. */
  receiveBufferSize: number;
  /** `topology.batch.flush.interval.millis`. */
  batchFlushMs: number;
  /** `topology.tick.tuple.freq.secs` (tick tuples carry it); `null` sends none. */
  tickFreqSecs: number | null;
  /** `topology.debug`. */
  debug: boolean;
  /** `topology.max.tuple.bytes`. */
  maxTupleBytes: number;
  spoutWait: SpoutWaitSettings;
  /** `topology.backpressure.wait.progressive.level3.sleep.millis`: least time a spout stays paused by backpressure. */
  backpressureSleepMs: number;
  /** `topology.error.throttle.interval.secs` in ms. */
  errorThrottleMs: number;
  /** `topology.max.error.report.per.interval`: errors a task reports per {@link errorThrottleMs}. */
  maxErrorsPerInterval: number;
  /** `topology.state.checkpoint.interval.ms`: how often the checkpoint spout starts a checkpoint. */
  checkpointIntervalMs: number;
}

/**
 * How long a tracked tuple tree may take before it fails: `topology.message.timeout.secs` in ms, or Infinity when
 * `topology.enable.message.timeouts` is false.
 */
export function messageTimeoutMs(conf: Config): number {
  return getConfig(conf, 'topology.enable.message.timeouts')
    ? configMs(conf, 'topology.message.timeout.secs')
    : Infinity;
}

/**
 * The engine's settings from a topology's (effective) configuration.
 * @throws InvalidConfigError naming the key when a value has the wrong type
 */
export function engineSettings(conf: Config): EngineSettings {
  return {
    messageTimeoutMs: messageTimeoutMs(conf),
    maxSpoutPending: getConfig(conf, 'topology.max.spout.pending') ?? Infinity,
    receiveBufferSize: getConfig(conf, 'topology.executor.receive.buffer.size'),
    batchFlushMs: getConfig(conf, 'topology.batch.flush.interval.millis'),
    tickFreqSecs: getConfig(conf, 'topology.tick.tuple.freq.secs'),
    debug: getConfig(conf, 'topology.debug'),
    maxTupleBytes: getConfig(conf, 'topology.max.tuple.bytes'),
    spoutWait: {
      level1Count: getConfig(conf, 'topology.spout.wait.progressive.level1.count'),
      level2Count: getConfig(conf, 'topology.spout.wait.progressive.level2.count'),
      sleepMs: getConfig(conf, 'topology.spout.wait.progressive.level3.sleep.millis'),
    },
    backpressureSleepMs: getConfig(conf, 'topology.backpressure.wait.progressive.level3.sleep.millis'),
    errorThrottleMs: configMs(conf, 'topology.error.throttle.interval.secs'),
    maxErrorsPerInterval: getConfig(conf, 'topology.max.error.report.per.interval'),
    checkpointIntervalMs: getConfig(conf, 'topology.state.checkpoint.interval.ms'),
  };
}
