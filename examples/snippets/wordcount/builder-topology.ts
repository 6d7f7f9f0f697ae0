// builder-topology.ts: the same topology with Storm's builder
import { TopologyBuilder } from '@squall/api';
import { WordCountBolt } from './word-count-bolt';
import { WordSpout } from './word-spout';

const builder = new TopologyBuilder();
builder.setSpout('word', WordSpout, 1);
builder.setBolt('count', WordCountBolt, 2).fieldsGrouping('word', ['word']);
export default builder.createTopology('wordcount');
