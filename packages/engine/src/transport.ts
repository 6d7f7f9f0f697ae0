import type { TupleImpl } from './tuple-impl';

/**
 * Carries tuples to tasks in other workers. Local mode has none (every task is local); cluster workers plug in the
 * gRPC transport. The runtime calls `send` for every remote delivery and `flush` at the end of a scheduler pass that
 * found no more work, or that ended `topology.batch.flush.interval.millis` or more after the last flush.
 */
export interface Transport {
  /** Queues a tuple for a task in another worker. Must not throw for a peer that is down: buffer and retry. */
  send(task: number, tuple: TupleImpl): void;
  /** Sends what is buffered, partial batches included (a transport writes full batches by itself). */
  flush(): void;
  /**
   * Installs the runtime's listener for backpressure: called with +1 when a remote peer starts withholding credit
   * (spouts of this worker pause) and -1 when it stops. Pushed rather than polled: spouts check after every emit.
   */
  setPressureListener(listener: (delta: 1 | -1) => void): void;
}
