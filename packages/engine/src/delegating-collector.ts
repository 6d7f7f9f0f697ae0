import { EmitError, type Anchors, type OutputCollector, type Tuple, type Values } from '@squall/api';

/**
 * An OutputCollector passing every call to `delegate`: the base of the collectors the engine wraps around a bolt's
 * (windowed bolts anchor to the window, stateful bolts hold acks), each overriding what it changes.
 */
export class DelegatingCollector<D extends OutputCollector = OutputCollector> implements OutputCollector {
  constructor(readonly delegate: D) {}
  emit(a: string | Anchors | Values, b?: Anchors | Values, c?: Values): readonly number[] {
    return (this.delegate.emit as (a: unknown, b?: unknown, c?: unknown) => readonly number[])(a, b, c);
  }
  emitDirect(taskId: number, a: string | Anchors | Values, b?: Anchors | Values, c?: Values): void {
    if (typeof taskId !== 'number') throw new EmitError('emitDirect needs a task id as its first argument');
    (this.delegate.emitDirect as (t: number, a: unknown, b?: unknown, c?: unknown) => void)(taskId, a, b, c);
  }
  ack(tuple: Tuple): void {
    this.delegate.ack(tuple);
  }
  fail(tuple: Tuple): void {
    this.delegate.fail(tuple);
  }
  resetTimeout(tuple: Tuple): void {
    this.delegate.resetTimeout(tuple);
  }
  reportError(error: unknown): void {
    this.delegate.reportError(error);
  }
}
