import { BasicBolt, type BasicOutputCollector, type OutputFieldsDeclarer, type Tuple } from '@squall/api';

/**
 * Counts words (the seed's WordCountBolt): 'dog' counts 10, every other word 1; logs every 1,000 counted and emits
 * [word, count]. A BasicBolt, so each input is anchored and acked automatically.
 */
export class WordCountBolt extends BasicBolt {
  private readonly counts = new Map<string, number>();
  private total = 0;

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(['word', 'count']);
  }

  override execute(tuple: Tuple, collector: BasicOutputCollector): void {
    const word = tuple.getStringByField('word');
    const inc = word === 'dog' ? 10 : 1;
    const count = (this.counts.get(word) ?? 0) + inc;
    this.counts.set(word, count);
    // Same test as the seed: the total moves by 1 or 10, so it can step over a multiple of 1,000.
    this.total += inc;
    if (this.total % 1000 === 0)
      this.context.log.info(`counted [${this.total.toLocaleString('en-US')}] words [pid=${process.pid}]`);
    collector.emit([word, count]);
  }
}
