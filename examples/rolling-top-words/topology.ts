import { Duration, TopologyBuilder, type Topology } from '@squall/api';
import { IntermediateRankingsBolt, TotalRankingsBolt } from './ranker-bolts';
import { RandomWordSpout } from './random-word-spout';
import { RollingCountBolt } from './rolling-count-bolt';

/** Settings of {@link rollingTopWords}. */
export interface RollingTopWordsOptions {
  /** Length of the sliding count window. @default 300 (5 minutes) */
  windowSecs?: number;
  /** How often the window slides and the rankings are emitted. @default 10 */
  emitSecs?: number;
  /** Size of the rankings. @default 5 */
  topN?: number;
  /** Milliseconds between two words of each spout task. @default 100 */
  wordIntervalMs?: number;
}

/**
 * Storm's RollingTopWords: words → rolling counts over a sliding window (fields grouping on the word, so one task
 * counts each word) → intermediate top N per counter share → total top N, emitted every `emitSecs`.
 * Words stay un-acked while in the window, so the message timeout is raised to cover window + slide.
 */
export function rollingTopWords(options: RollingTopWordsOptions = {}): Topology {
  const windowSecs = options.windowSecs ?? 300;
  const emitSecs = options.emitSecs ?? 10;
  const topN = options.topN ?? 5;
  const b = new TopologyBuilder();
  b.setSpout('wordGenerator', () => new RandomWordSpout(options.wordIntervalMs ?? 100), 2);
  b.setBolt(
    'counter',
    () => new RollingCountBolt().withWindow(Duration.seconds(windowSecs), Duration.seconds(emitSecs)),
    4,
  ).fieldsGrouping('wordGenerator', ['word']);
  b.setBolt('intermediateRanker', () => new IntermediateRankingsBolt(topN, emitSecs), 4).fieldsGrouping('counter', [
    'obj',
  ]);
  b.setBolt('finalRanker', () => new TotalRankingsBolt(topN, emitSecs)).globalGrouping('intermediateRanker');
  return b.createTopology('rolling-top-words', { 'topology.message.timeout.secs': windowSecs + emitSecs + 30 });
}

export default rollingTopWords();
