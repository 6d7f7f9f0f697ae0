import { Spout, type OutputFieldsDeclarer } from '@squall/api';

/** Emits 'dog', 'cat', 'zebra', 'elephant' over and over (the seed's WordSpout). */
export class WordSpout extends Spout {
  private readonly words = ['dog', 'cat', 'zebra', 'elephant'];
  private next = 0;

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(['word']);
  }

  override nextTuple(): void {
    const word = this.words[this.next]!;
    this.next = (this.next + 1) % this.words.length;
    this.collector.emit([word]);
  }
}
