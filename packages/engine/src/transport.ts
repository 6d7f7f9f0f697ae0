import type { TupleImpl } from './tuple-impl';

/**
 * Carries tuples to tasks in other workers. Local mode has none (every task is local); cluster workers plug in the
 * gRPC transport. The runtime calls `send` for every remote delivery and `flush` at the end of each scheduler pass.
 */
export interface Transport {
  /** Queues a tuple for a task in another worker. Must not throw for a peer that is down: buffer and retry. */
  send(task: number, tuple: TupleImpl): void;
  /** Sends what is buffered (batches are also flushed on size and by a short timer). */
  flush(): void;
  /** True while a remote peer withholds credit: spouts of this worker pause. */
  readonly backpressured: boolean;
}
