import {
  BasicBolt,
  isTickTuple,
  type BasicOutputCollector,
  type Config,
  type OutputFieldsDeclarer,
  type Tuple,
} from '@squall/api';
import { Rankings, type Rankable } from './rankings';

/**
 * Storm's `AbstractRankerBolt`: keeps the top N of what it receives and emits `[rankings]` on every tick tuple, that
 * is every `emitFrequencySecs` (set through its component configuration, as Storm does).
 */
abstract class RankerBolt extends BasicBolt {
  protected readonly rankings: Rankings;

  constructor(
    topN: number,
    private readonly emitFrequencySecs: number,
  ) {
    super();
    this.rankings = new Rankings(topN);
  }

  override execute(tuple: Tuple, collector: BasicOutputCollector): void {
    if (isTickTuple(tuple)) {
      this.beforeEmit();
      collector.emit([this.rankings.toArray()]);
      this.emitted(this.rankings.toArray());
    } else this.update(tuple);
  }

  protected abstract update(tuple: Tuple): void;
  protected beforeEmit(): void {}
  protected emitted(_rankings: Rankable[]): void {}

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(['rankings']);
  }

  override getComponentConfiguration(): Config {
    return { 'topology.tick.tuple.freq.secs': this.emitFrequencySecs };
  }
}

/** Storm's `IntermediateRankingsBolt`: ranks the counts of its share of the words (fields grouping on `obj`). */
export class IntermediateRankingsBolt extends RankerBolt {
  protected update(tuple: Tuple): void {
    this.rankings.updateWith({ obj: tuple.getStringByField('obj'), count: tuple.getNumberByField('count') });
  }
}

/** Storm's `TotalRankingsBolt`: merges the intermediate rankings into the global top N and logs it. */
export class TotalRankingsBolt extends RankerBolt {
  protected update(tuple: Tuple): void {
    this.rankings.updateWithRankings(tuple.getValueByField('rankings') as Rankable[]);
  }
  protected override beforeEmit(): void {
    this.rankings.pruneZeroCounts();
  }
  protected override emitted(rankings: Rankable[]): void {
    this.context.log.info(
      { rankings },
      `rankings: ${rankings.map((r) => `${r.obj}=${r.count}`).join(' ') || '(none yet)'}`,
    );
  }
}
