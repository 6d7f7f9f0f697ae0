import { SYSTEM_COMPONENT, type Fields } from '@squall/api';
import { TupleImpl, type TopologyModel } from '@squall/engine';
import type { WireTuple } from '@squall/protocol';

/**
 * Converts between engine tuples and wire tuples. Resolved stream metadata is cached per (source component, stream)
 * so decoding a tuple costs two map lookups, and encoding reuses one scratch object (no allocation per tuple).
 */
export class WireConverter {
  private readonly streams = new Map<string, Map<string, { fields: Fields; key: string }>>();
  private readonly scratch: WireTuple = { targetTask: 0, sourceTask: 0, stream: '', anchors: null, values: [] };

  constructor(private readonly model: TopologyModel) {}

  /** The wire form of a tuple for `task`, valid until the next call (the encoder copies it). */
  toWire(task: number, sourceTask: number, stream: string, anchors: number[] | null, values: unknown[]): WireTuple {
    const w = this.scratch;
    w.targetTask = task;
    w.sourceTask = sourceTask;
    w.stream = stream;
    w.anchors = anchors;
    w.values = isAckingStream(stream) ? [Int32Array.from(values as ArrayLike<number>)] : values;
    return w;
  }

  /**
   * The engine tuple of a received wire tuple.
   * @throws Error naming the task or stream when the sender's topology does not match ours
   */
  fromWire(w: WireTuple): TupleImpl {
    const component = w.sourceTask < 0 ? SYSTEM_COMPONENT : this.model.layout.taskToComponent.get(w.sourceTask);
    if (component === undefined) throw new Error(`tuple from unknown task ${w.sourceTask}`);
    let byStream = this.streams.get(component);
    if (!byStream) this.streams.set(component, (byStream = new Map()));
    let s = byStream.get(w.stream);
    if (!s) {
      const fields = this.model.streamFields(component, w.stream);
      if (!fields) throw new Error(`tuple on undeclared stream '${w.stream}' of component '${component}'`);
      byStream.set(w.stream, (s = { fields, key: this.model.streamKey(component, w.stream) }));
    }
    // An acking message's int32s arrive as one Int32Array value: the engine reads them as the values themselves.
    const v = w.values;
    const values =
      v.length === 1 && v[0] instanceof Int32Array && isAckingStream(w.stream) ? (v[0] as unknown as unknown[]) : v;
    return new TupleImpl(values, s.fields, component, w.sourceTask, w.stream, s.key, w.anchors);
  }
}

/**
 * Whether a stream carries acking messages (the acker's init/ack/fail/reset streams and its completions): their values
 * are flat int32s (quads, or sequence numbers), sent as one Int32Array value, a block copy on both sides instead of a
 * tagged varint per number (decoding those was the largest cost of a spout worker at a million acks a second).
 */
function isAckingStream(stream: string): boolean {
  return stream.length > 6 && stream.charCodeAt(0) === 95 && stream.startsWith('__ack_');
}
