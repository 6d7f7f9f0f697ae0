import { fields, topology } from '@squall/api';
import { WordCountBolt } from './word-count-bolt';
import { WordSpout } from './word-spout';

/**
 * The seed's word count: one WordSpout, two WordCountBolt executors, fields grouping on 'word' so each word is always
 * counted by the same task.
 */
export default topology('wordcount', {
  word: WordSpout.spec(),
  count: WordCountBolt.spec({ inputs: { word: fields('word') }, par: 2 }),
});
