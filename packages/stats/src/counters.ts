import { LatencyHistogram, type HistogramSnapshot } from './histogram';

/** Counters of one output stream of an executor. */
export class OutputCounters {
  emitted = 0;
  transferred = 0;
}

/** Counters of one input stream (`component:stream`) of a bolt executor. */
export class InputCounters {
  executed = 0;
  acked = 0;
  failed = 0;
  executeMs = 0;
  processMs = 0;
  processCount = 0;
  /** Executed in the current batch; folded into executeMs when the batch ends. */
  inBatch = 0;
  /** Acked or failed synchronously in the current batch; they get the batch's mean as process latency. */
  syncAcked = 0;
}

/** Completion counters of one output stream of a spout executor. */
export class CompletionCounters {
  acked = 0;
  failed = 0;
  completeMs = 0;
}

/** Live, mutable statistics of one executor; exact counts, cheap to update on the hot path. */
export class ExecutorStats {
  readonly outputs = new Map<string, OutputCounters>();
  readonly inputs = new Map<string, InputCounters>();
  readonly completions = new Map<string, CompletionCounters>();
  readonly execute = new LatencyHistogram();
  readonly process = new LatencyHistogram();
  readonly complete = new LatencyHistogram();
  /** Milliseconds spent inside execute/nextTuple; capacity is its growth over wall time. */
  busyMs = 0;

  constructor(
    readonly component: string,
    readonly startTask: number,
    readonly endTask: number,
    readonly kind: 'spout' | 'bolt' | 'acker',
    readonly startedMs: number,
  ) {}

  output(stream: string): OutputCounters {
    let c = this.outputs.get(stream);
    if (!c) this.outputs.set(stream, (c = new OutputCounters()));
    return c;
  }
  input(key: string): InputCounters {
    let c = this.inputs.get(key);
    if (!c) this.inputs.set(key, (c = new InputCounters()));
    return c;
  }
  completion(stream: string): CompletionCounters {
    let c = this.completions.get(stream);
    if (!c) this.completions.set(stream, (c = new CompletionCounters()));
    return c;
  }

  /** Plain-data copy for heartbeats and reports. */
  snapshot(nowMs: number): ExecutorStatsSnapshot {
    const map = <T, R>(m: Map<string, T>, f: (v: T) => R): Record<string, R> => {
      const out: Record<string, R> = {};
      for (const [k, v] of m) out[k] = f(v);
      return out;
    };
    return {
      component: this.component,
      startTask: this.startTask,
      endTask: this.endTask,
      kind: this.kind,
      uptimeMs: nowMs - this.startedMs,
      busyMs: this.busyMs,
      outputs: map(this.outputs, (c) => ({ emitted: c.emitted, transferred: c.transferred })),
      inputs: map(this.inputs, (c) => ({
        executed: c.executed,
        acked: c.acked,
        failed: c.failed,
        executeMs: c.executeMs,
        processMs: c.processMs,
        processCount: c.processCount,
      })),
      completions: map(this.completions, (c) => ({ acked: c.acked, failed: c.failed, completeMs: c.completeMs })),
      histograms: {
        execute: this.execute.snapshot(),
        process: this.process.snapshot(),
        complete: this.complete.snapshot(),
      },
    };
  }
}

/** Serializable statistics of one executor, cumulative since it started. */
export interface ExecutorStatsSnapshot {
  component: string;
  startTask: number;
  endTask: number;
  kind: 'spout' | 'bolt' | 'acker';
  uptimeMs: number;
  busyMs: number;
  /** Output stream → counts. */
  outputs: Record<string, { emitted: number; transferred: number }>;
  /** Input `component:stream` → counts and latency sums (bolts). */
  inputs: Record<
    string,
    { executed: number; acked: number; failed: number; executeMs: number; processMs: number; processCount: number }
  >;
  /** Output stream → tuple trees completed or failed (spouts). */
  completions: Record<string, { acked: number; failed: number; completeMs: number }>;
  histograms: { execute: HistogramSnapshot; process: HistogramSnapshot; complete: HistogramSnapshot };
}
