import { Spout, type OutputFieldsDeclarer } from '@squall/api';

/**
 * The seed's words ('dog', 'cat', 'zebra', 'elephant', in turn), each emitted tracked (message id = its sequence
 * number) and replayed when it fails: state is only as reliable as the spout feeding it. With `squall.example.words`
 * set, stops after that many words (so a run has an exact expected count).
 */
export class ReliableWordSpout extends Spout {
  private readonly words = ['dog', 'cat', 'zebra', 'elephant'];
  private next = 0;
  private limit = Infinity;
  private readonly replays: number[] = [];

  override open(): void {
    const n = this.conf['squall.example.words'];
    if (typeof n === 'number') this.limit = n;
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(['word']);
  }

  override nextTuple(): void {
    const seq = this.replays.length > 0 ? this.replays.shift()! : this.next < this.limit ? this.next++ : -1;
    if (seq < 0) return;
    this.collector.emit([this.words[seq % this.words.length]!], seq);
  }

  override fail(messageId: unknown): void {
    this.replays.push(messageId as number);
  }
}
