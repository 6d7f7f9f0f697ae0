import { Spout, type OutputFieldsDeclarer } from '@squall/api';

/**
 * Storm's `TestWordSpout`: a word from a small list every `intervalMs`, each tracked by a message id, so a word stays
 * pending until it has left every window that holds it. Word frequencies are skewed (nathan most, bertels least) so
 * the rankings have a clear order.
 */
export class RandomWordSpout extends Spout {
  static readonly WORDS = [
    'nathan',
    'nathan',
    'nathan',
    'nathan',
    'mike',
    'mike',
    'mike',
    'jackson',
    'jackson',
    'golda',
    'bertels',
  ];
  private next = 0;
  private lastEmitMs = 0;
  private id = 0;

  constructor(private readonly intervalMs = 100) {
    super();
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(['word']);
  }

  override nextTuple(): void {
    const now = Date.now();
    if (now - this.lastEmitMs < this.intervalMs) return;
    this.lastEmitMs = now;
    const words = RandomWordSpout.WORDS;
    // A fixed stride through the list rather than Math.random: the same counts every run.
    this.next = (this.next + 7) % words.length;
    this.collector.emit([words[this.next]!], `${this.context.thisTaskId}-${this.id++}`);
  }
}
