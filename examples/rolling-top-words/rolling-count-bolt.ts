import { WindowedBolt, type OutputFieldsDeclarer, type TupleWindow } from '@squall/api';

/**
 * Storm's `RollingCountBolt` as a windowed bolt: counts each word over a sliding window and, every time the window
 * slides, emits `[obj, count, actualWindowLengthInSeconds]` for every word in it (and once with 0 for a word that
 * just left it). Counts are kept incrementally from the window's new and expired tuples.
 */
export class RollingCountBolt extends WindowedBolt {
  private readonly counts = new Map<string, number>();
  private firstWindowEnd: number | undefined;

  override execute(window: TupleWindow): void {
    for (const t of window.getNew()) {
      const w = t.getStringByField('word');
      this.counts.set(w, (this.counts.get(w) ?? 0) + 1);
    }
    for (const t of window.getExpired()) {
      const w = t.getStringByField('word');
      this.counts.set(w, (this.counts.get(w) ?? 0) - 1);
    }
    // Storm reports how much of the window has been seen: less than its length until the first window has filled.
    const end = window.getEndTimestamp();
    const start = window.getStartTimestamp() ?? end;
    this.firstWindowEnd ??= end;
    const lengthSecs = Math.round((end - start) / 1000);
    const seenSecs = Math.min(lengthSecs, Math.round((end - this.firstWindowEnd) / 1000) + 1);
    for (const [word, count] of this.counts) {
      this.collector.emit([word, count, seenSecs]);
      if (count === 0) this.counts.delete(word);
    }
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(['obj', 'count', 'actualWindowLengthInSeconds']);
  }
}
