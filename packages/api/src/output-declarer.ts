import { DEFAULT_STREAM } from './tuple';

/** A declared output stream. */
export interface StreamSpec {
  /** Stream id. */
  id: string;
  /** Field names, in value order. */
  fields: string[];
  /** Whether emits must name their target task (`emitDirect`) and subscribers must use direct grouping. */
  direct: boolean;
}

/** Where a component declares its output streams (Storm's OutputFieldsDeclarer). */
export interface OutputFieldsDeclarer {
  /** Declares the `default` stream. */
  declare(fields: readonly string[], direct?: boolean): void;
  /** Declares a named stream. */
  declareStream(streamId: string, fields: readonly string[], direct?: boolean): void;
}

/** Collects declarations; repeats are recorded as problems for validation rather than thrown at once. */
export class CollectingDeclarer implements OutputFieldsDeclarer {
  readonly streams: StreamSpec[] = [];
  readonly problems: string[] = [];

  declare(fields: readonly string[], direct = false): void {
    this.declareStream(DEFAULT_STREAM, fields, direct);
  }
  declareStream(streamId: string, fields: readonly string[], direct = false): void {
    if (this.streams.some((s) => s.id === streamId)) {
      this.problems.push(`stream '${streamId}' is declared twice`);
      return;
    }
    this.streams.push({ id: streamId, fields: [...fields], direct });
  }
}
