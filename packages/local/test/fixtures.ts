import {
  BasicBolt,
  Bolt,
  Spout,
  type BasicOutputCollector,
  type OutputFieldsDeclarer,
  type Tuple,
  type Values,
} from '@squall/api';

/** What a spout saw: acks and fails by message id. */
export class SpoutLedger {
  readonly acked = new Map<unknown, number>();
  readonly failed = new Map<unknown, number>();
  emitted = 0;
  get ackCount(): number {
    let n = 0;
    for (const v of this.acked.values()) n += v;
    return n;
  }
  get failCount(): number {
    let n = 0;
    for (const v of this.failed.values()) n += v;
    return n;
  }
}

/**
 * Emits each of `items` once, tracked by its index (unless `tracked` is false), and replays an item when it fails.
 * Emits one tuple per nextTuple call; `fields` names the single output field.
 */
export class ListSpout extends Spout {
  private next = 0;
  private readonly replay: number[] = [];
  constructor(
    private readonly items: Values[],
    private readonly ledger: SpoutLedger,
    private readonly options: {
      tracked?: boolean;
      fields?: string[];
      direct?: (i: number, tasks: readonly number[]) => number;
    } = {},
  ) {
    super();
  }
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(this.options.fields ?? ['value'], this.options.direct !== undefined);
  }
  override nextTuple(): void {
    const i = this.replay.length > 0 ? this.replay.shift()! : this.next < this.items.length ? this.next++ : -1;
    if (i < 0) return;
    this.ledger.emitted++;
    const id = this.options.tracked === false ? undefined : i;
    if (this.options.direct) {
      const tasks = this.context.getComponentTasks('sink');
      this.collector.emitDirect(this.options.direct(i, tasks), this.items[i]!, id);
    } else this.collector.emit(this.items[i]!, id);
  }
  override ack(id: unknown): void {
    this.ledger.acked.set(id, (this.ledger.acked.get(id) ?? 0) + 1);
  }
  override fail(id: unknown): void {
    this.ledger.failed.set(id, (this.ledger.failed.get(id) ?? 0) + 1);
    this.replay.push(id as number);
  }
}

/** One received tuple. */
export interface Received {
  task: number;
  values: unknown[];
  source: string;
  stream: string;
}

/** Records every input (task, values) into `log` and acks it; optionally re-emits the values. */
export class RecordingBolt extends BasicBolt {
  constructor(
    private readonly log: Received[],
    private readonly outFields: string[] = [],
  ) {
    super();
  }
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    if (this.outFields.length > 0) d.declare(this.outFields);
  }
  override execute(tuple: Tuple, collector: BasicOutputCollector): void {
    this.log.push({
      task: this.context.thisTaskId,
      values: [...tuple.values],
      source: tuple.sourceComponent,
      stream: tuple.sourceStreamId,
    });
    if (this.outFields.length > 0) collector.emit([...tuple.values]);
  }
}

/** Splits a sentence into words, each emitted anchored to the sentence; acks the sentence. */
export class SplitBolt extends Bolt {
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word']);
  }
  override execute(tuple: Tuple): void {
    for (const w of tuple.getString(0).split(' ')) this.collector.emit(tuple, [w]);
    this.collector.ack(tuple);
  }
}

/** Polls `predicate` every 5 ms until true or the deadline passes (then throws with `what`). */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** `n` values `[prefix + i]`. */
export function numbered(n: number, prefix = 'v'): Values[] {
  return Array.from({ length: n }, (_, i) => [`${prefix}${i}`]);
}
