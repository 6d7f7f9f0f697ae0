// topology.ts: the declarative form (as in streamparse)
import { fields, topology } from '@squall/api';
import { WordCountBolt } from './word-count-bolt';
import { WordSpout } from './word-spout';

export default topology('wordcount', {
  word: WordSpout.spec(),
  count: WordCountBolt.spec({ inputs: { word: fields('word') }, par: 2 }),
});
