import { StatefulBolt, type KeyValueState, type OutputFieldsDeclarer, type Tuple } from '@squall/api';

/**
 * The seed's word count ('dog' counts 10, every other word 1) with its counts in the bolt's state, so they survive
 * restarts: with `topology.state.provider: redis` they are saved in Redis at every checkpoint. Emits [word, count].
 */
export class StatefulWordCountBolt extends StatefulBolt<string, number> {
  private counts!: KeyValueState<string, number>;

  override initState(state: KeyValueState<string, number>): void {
    this.counts = state;
    this.context.log.info(
      `state loaded: ${state.size} word(s) [${[...state].map(([w, c]) => `${w}=${c}`).join(', ')}]`,
    );
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(['word', 'count']);
  }

  override execute(tuple: Tuple): void {
    const word = tuple.getStringByField('word');
    const count = this.counts.get(word, 0) + (word === 'dog' ? 10 : 1);
    this.counts.put(word, count);
    this.collector.emit(tuple, [word, count]);
    // Acked for real once the checkpoint that saves this count commits.
    this.collector.ack(tuple);
  }
}
