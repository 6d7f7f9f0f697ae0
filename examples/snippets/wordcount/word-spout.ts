// word-spout.ts: emits 'dog', 'cat', 'zebra', 'elephant' forever
import { Spout, type OutputFieldsDeclarer } from '@squall/api';

export class WordSpout extends Spout {
  private readonly words = ['dog', 'cat', 'zebra', 'elephant'];
  private next = 0;
  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(['word']); // one stream, 'default', with one field
  }
  override nextTuple(): void {
    // called again and again; emit a little and return
    this.collector.emit([this.words[this.next++ % 4]]);
  }
}
