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
    w.values = values;
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
    return new TupleImpl(w.values, s.fields, component, w.sourceTask, w.stream, s.key, w.anchors);
  }
}
