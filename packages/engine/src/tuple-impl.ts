import { type Fields, type Tuple } from '@squall/api';

/**
 * The engine's tuple. Besides what bolts see, it carries acking state: `anchors` is the tuple's message id as flat
 * int32 quads `[spoutTask, seq, edgeHi, edgeLo]*` (one per tuple tree it belongs to; null when untracked), and
 * `ackHi/ackLo` XOR the edge ids of the children emitted anchored to it, reported to the acker when it is acked.
 * Untracked tuples may be shared by several local subscribers; tracked ones are one object per receiving task.
 */
export class TupleImpl implements Tuple {
  ackHi = 0;
  ackLo = 0;
  /** Set once acked or failed, so a second ack or fail is ignored rather than corrupting the tree. */
  settled = false;
  /** Monotonic ms when its execute started; for process latency of asynchronous acks. */
  execStart = 0;

  constructor(
    readonly values: unknown[],
    readonly fields: Fields,
    readonly sourceComponent: string,
    readonly sourceTask: number,
    readonly sourceStreamId: string,
    /** Interned `component:stream` key for per-input-stream counters. */
    readonly streamKey: string,
    public anchors: number[] | null,
  ) {}

  getValue(i: number): unknown {
    return this.values[i];
  }
  getValueByField(name: string): unknown {
    const i = this.fields.fieldIndex(name);
    if (i < 0)
      throw new Error(
        `tuple from '${this.sourceComponent}' stream '${this.sourceStreamId}' has no field '${name}' (fields: ${this.fields.names.join(', ')})`,
      );
    return this.values[i];
  }
  getString(i: number): string {
    return expect(this.values[i], 'string', i) as string;
  }
  getStringByField(name: string): string {
    return expect(this.getValueByField(name), 'string', name) as string;
  }
  getNumber(i: number): number {
    return expect(this.values[i], 'number', i) as number;
  }
  getNumberByField(name: string): number {
    return expect(this.getValueByField(name), 'number', name) as number;
  }
  contains(name: string): boolean {
    return this.fields.contains(name);
  }
  size(): number {
    return this.values.length;
  }
  toString(): string {
    return `source: ${this.sourceComponent}:${this.sourceTask}, stream: ${this.sourceStreamId}, ${JSON.stringify(this.values, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`;
  }
}

function expect(v: unknown, type: string, at: number | string): unknown {
  if (typeof v !== type)
    throw new TypeError(
      `tuple value ${typeof at === 'number' ? `#${at}` : `'${at}'`} is ${v === null ? 'null' : typeof v}, not a ${type}`,
    );
  return v;
}
