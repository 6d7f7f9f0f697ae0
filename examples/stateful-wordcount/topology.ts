import { TopologyBuilder } from '@squall/api';
import { ReliableWordSpout } from './reliable-word-spout';
import { StatefulWordCountBolt } from './stateful-word-count-bolt';

/**
 * The seed's word count with its counts in state (Storm's stateful word count): a tracked word spout and three
 * stateful count tasks, fields grouping on 'word'. Checkpoints every second by default; the state lives in memory
 * unless `topology.state.provider` says `redis`.
 */
const builder = new TopologyBuilder();
builder.setSpout('word', ReliableWordSpout, 1);
builder.setBolt('count', StatefulWordCountBolt, 3).fieldsGrouping('word', ['word']);

export default builder.createTopology('stateful-wordcount');
