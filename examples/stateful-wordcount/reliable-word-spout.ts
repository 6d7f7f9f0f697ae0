import { Spout, type OutputFieldsDeclarer, type ReplayableSpout } from '@squall/api';

/**
 * The seed's words ('dog', 'cat', 'zebra', 'elephant', in turn), each emitted tracked (message id = its sequence
 * number) and replayed when it fails: state is only as reliable as the spout feeding it. With `squall.example.words`
 * set, stops after that many words (so a run has an exact expected count). Replayable (its position is the next
 * sequence number), so the topology also runs with `topology.state.guarantee: exactly-once`.
 */
export class ReliableWordSpout extends Spout implements ReplayableSpout<number> {
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

  /** Exactly-once state: where the spout is (the next sequence number); saved with each checkpoint. */
  snapshot(): number {
    return this.next;
  }

  /** Exactly-once state: back to a committed position (undefined: none yet, from the start). */
  restore(position: number | undefined): void {
    this.next = position ?? 0;
    this.replays.length = 0;
  }
}
