import type { TupleImpl } from './tuple-impl';

/**
 * Carries tuples to tasks in other workers. Local mode has none (every task is local); cluster workers plug in the
 * gRPC transport. The runtime calls `send` for every remote delivery and `flush` at the end of every scheduler pass: with 0
 * when the pass found no more work, else with `topology.batch.flush.interval.millis`.
 */
export interface Transport {
  /** Queues a tuple for a task in another worker. Must not throw for a peer that is down: buffer and retry. */
  send(task: number, tuple: TupleImpl): void;
  /** {@link send} for a tuple given by its parts (`anchors` null when untracked), so untracked emits build no tuple. */
  sendValues(task: number, sourceTask: number, stream: string, anchors: number[] | null, values: unknown[]): void;
  /**
   * Sends partial batches whose first tuple has waited at least `maxWaitMs` (0: every partial batch). A transport
   * writes full batches by itself as they fill.
   */
  flush(maxWaitMs: number): void;
  /** Installs the runtime's listeners; the runtime calls this once, when it is created over the transport. */
  setListeners(listeners: TransportListeners): void;
}

/** What a {@link Transport} tells the runtime that feeds it. */
export interface TransportListeners {
  /**
   * Backpressure: +1 when a remote peer starts withholding credit (spouts of this worker pause) and -1 when it stops.
   * Pushed rather than polled: spouts check after every emit.
   */
  onPressure(delta: 1 | -1): void;
  /** A peer can take tuples again (credit arrived, a stream reconnected): wake the scheduler. */
  onWritable(): void;
}
