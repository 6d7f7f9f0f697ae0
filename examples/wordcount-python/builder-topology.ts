import { TopologyBuilder } from '@squall/api';
import { setShellBolt, setShellSpout } from '@squall/multilang';

const b = new TopologyBuilder();
setShellSpout(b, 'word', { command: ['python3', '-m', 'squall.run', 'spouts.words.WordSpout'], outputs: ['word'] });
setShellBolt(
  b,
  'count',
  { command: ['python3', '-m', 'squall.run', 'bolts.wordcount.WordCountBolt'], outputs: ['word', 'count'] },
  2,
).fieldsGrouping('word', ['word']);
// or directly: b.setBolt('count', () => new ShellBolt({ ... }), 2), with ShellBolt from '@squall/multilang'
export default b.createTopology('wordcount');
