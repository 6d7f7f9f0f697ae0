import type { ExecutorSpec } from '@squall/api';
import {
  ACK_ACK_STREAM,
  ACK_BATCH_LIMIT,
  ACK_FAIL_STREAM,
  ACK_INIT_STREAM,
  ACK_RESET_TIMEOUT_STREAM,
  type LocalTrees,
} from './acking';
import { ExecutorBase } from './executor-base';
import type { ExecutorHost } from './executor-host';
import type { InputCounters, OutputCounters } from '@squall/stats';
import { TupleImpl } from './tuple-impl';
import { ACKER_COMPONENT, type Fields } from '@squall/api';

/** XOR state of one tuple tree. */
interface Tree {
  hi: number;
  lo: number;
  /** The spout's init has arrived (acks may overtake it across workers). */
  inited: boolean;
  startMs: number;
}

/**
 * Storm's acker: tracks each tree's XOR of edge ids and tells the spout task when it returns to zero (complete) or
 * a bolt failed it. Trees of spout tasks in this worker are kept by the spout itself (see {@link LocalTrees}): the
 * acker applies their acks there directly; only trees of spouts in other workers live in its own map. Trees are keyed by spout task, then sequence number. Trees older than the message timeout are
 * dropped (the spout has already failed them).
 */
export class AckerExecutor extends ExecutorBase {
  private readonly trees = new Map<number, Map<number, Tree>>();
  private readonly timeoutMs: number;
  private nextExpiry = 0;
  private readonly notifyStreams: Readonly<Record<string, { fields: Fields; key: string }>>;
  /** Recycled tree records: millions of trees a second would otherwise be millions of short-lived objects. */
  private readonly free: Tree[] = [];
  private lastSpoutTask = -1;
  private lastLocalTask = -1;
  private readonly ackCounters: OutputCounters;
  private lastLocal: LocalTrees | undefined;
  /** Completions, failures and timeout resets to send at the end of the drain: spout task → sequence numbers. */
  private readonly outAck = new Map<number, number[]>();
  private readonly outFail = new Map<number, number[]>();
  private readonly outReset = new Map<number, number[]>();
  private lastTrees: Map<number, Tree> | undefined;
  /** Counters of acker messages (Storm shows them as executed by __acker), looked up once. */
  private readonly messages: InputCounters;

  constructor(spec: ExecutorSpec, host: ExecutorHost) {
    super(spec, host, 'acker');
    this.notifyStreams = Object.fromEntries(
      [ACK_ACK_STREAM, ACK_FAIL_STREAM, ACK_RESET_TIMEOUT_STREAM].map((s) => [
        s,
        host.model.systemStream(ACKER_COMPONENT, s),
      ]),
    );
    this.ackCounters = this.stats.output(ACK_ACK_STREAM);
    this.timeoutMs = this.settings.messageTimeoutMs;
    this.messages = this.stats.input('__acker:messages');
  }

  /**
   * Counts the init of a tree the spout beside this acker keeps itself (folded into its emit, no message): Storm
   * shows every init as executed by __acker, so its executed count stays one per init plus one per ack.
   */
  countFoldedInit(): void {
    const ic = this.messages;
    ic.executed++;
    ic.acked++;
  }

  /** Trees being tracked. */
  get size(): number {
    let n = 0;
    for (const m of this.trees.values()) n += m.size;
    return n;
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  drain(budget: number): number {
    const q = this.queue;
    const now = this.host.now;
    let n = 0;
    const t0 = q.size > 0 ? this.host.clock.monotonicMs() : 0;
    while (n < budget && q.size > 0) {
      const t = q.shift();
      const v = t.values as number[];
      const stream = t.sourceStreamId;
      const init = stream === ACK_INIT_STREAM;
      if (init || stream === ACK_ACK_STREAM) {
        for (let i = 0; i + 3 < v.length; i += 4) {
          const local = this.localTrees(v[i]!);
          if (local !== undefined) {
            if (local.ackTree(v[i]!, v[i + 1]!, v[i + 2]!, v[i + 3]!)) this.count(this.ackCounters);
          } else this.xor(v[i]!, v[i + 1]!, v[i + 2]!, v[i + 3]!, init, now);
        }
      } else if (stream === ACK_FAIL_STREAM) {
        for (let i = 0; i + 1 < v.length; i += 4) {
          const local = this.localTrees(v[i]!);
          if (local !== undefined) {
            if (local.failTree(v[i]!, v[i + 1]!)) this.count(this.stats.output(ACK_FAIL_STREAM));
            continue;
          }
          this.treesOf(v[i]!).delete(v[i + 1]!);
          this.notify(v[i]!, v[i + 1]!, this.outFail);
        }
      } else if (stream === ACK_RESET_TIMEOUT_STREAM) {
        for (let i = 0; i + 1 < v.length; i += 4) {
          const local = this.localTrees(v[i]!);
          if (local !== undefined) {
            if (local.resetTree(v[i]!, v[i + 1]!)) this.count(this.stats.output(ACK_RESET_TIMEOUT_STREAM));
            continue;
          }
          const byTask = this.treesOf(v[i]!);
          const tree = byTask.get(v[i + 1]!);
          if (tree) {
            byTask.delete(v[i + 1]!);
            tree.startMs = now;
            byTask.set(v[i + 1]!, tree);
          }
          this.notify(v[i]!, v[i + 1]!, this.outReset);
        }
      }
      n += v.length > 4 ? v.length >> 2 : 1;
    }
    if (n > 0) {
      this.flushNotifications();
      this.stats.busyMs += this.host.clock.monotonicMs() - t0;
      // Acker messages are counted per quad (one tree each), not per batch: Storm shows them as executed by __acker.
      const ic = this.messages;
      ic.executed += n;
      ic.acked += n;
    }
    if (now >= this.nextExpiry && this.timeoutMs !== Infinity) {
      this.nextExpiry = now + Math.min(1000, Math.max(10, this.timeoutMs / 10));
      this.expire(now);
    }
    return n;
  }

  /** Counts a completion handed to a local spout as emitted on its stream, as if it had been sent. */
  private count(c: OutputCounters): void {
    c.emitted++;
    c.transferred++;
  }

  /** The trees of a spout task in this worker, with a one-entry cache (batches mostly come from one spout task). */
  private localTrees(spoutTask: number): LocalTrees | undefined {
    if (spoutTask === this.lastLocalTask) return this.lastLocal;
    this.lastLocalTask = spoutTask;
    return (this.lastLocal = this.host.localTrees(spoutTask));
  }

  private treesOf(spoutTask: number): Map<number, Tree> {
    if (spoutTask === this.lastSpoutTask) return this.lastTrees!;
    let byTask = this.trees.get(spoutTask);
    if (!byTask) this.trees.set(spoutTask, (byTask = new Map()));
    this.lastSpoutTask = spoutTask;
    this.lastTrees = byTask;
    return byTask;
  }

  /** XORs one init or ack into its tree; a tree back at zero after its init is complete. */
  private xor(spoutTask: number, seq: number, hi: number, lo: number, init: boolean, now: number): void {
    const byTask = this.treesOf(spoutTask);
    let tree = byTask.get(seq);
    if (!tree) {
      tree = this.free.pop() ?? { hi: 0, lo: 0, inited: false, startMs: 0 };
      tree.hi = hi;
      tree.lo = lo;
      tree.inited = init;
      tree.startMs = now;
      byTask.set(seq, tree);
    } else {
      tree.hi ^= hi;
      tree.lo ^= lo;
      if (init) tree.inited = true;
    }
    if (tree.inited && tree.hi === 0 && tree.lo === 0) {
      byTask.delete(seq);
      if (this.free.length < 4096) this.free.push(tree);
      this.notify(spoutTask, seq, this.outAck);
    }
  }

  /** Queues a completion for a spout task; sent at the end of the drain, one message per spout task and kind. */
  private notify(spoutTask: number, seq: number, out: Map<number, number[]>): void {
    let seqs = out.get(spoutTask);
    if (!seqs) out.set(spoutTask, (seqs = []));
    seqs.push(seq);
    if (seqs.length >= ACK_BATCH_LIMIT) this.send(spoutTask, out);
  }

  private flushNotifications(): void {
    for (const out of [this.outAck, this.outFail, this.outReset]) {
      if (out.size === 0) continue;
      for (const spoutTask of out.keys()) this.send(spoutTask, out);
      out.clear();
    }
  }

  private send(spoutTask: number, out: Map<number, number[]>): void {
    const seqs = out.get(spoutTask)!;
    if (seqs.length === 0) return;
    out.set(spoutTask, []);
    const stream =
      out === this.outAck ? ACK_ACK_STREAM : out === this.outFail ? ACK_FAIL_STREAM : ACK_RESET_TIMEOUT_STREAM;
    const counters = this.stats.output(stream);
    counters.emitted += seqs.length;
    counters.transferred += seqs.length;
    const { fields, key } = this.notifyStreams[stream]!;
    // The source is this executor's first task: spouts read only the sequence numbers.
    this.host.deliver(spoutTask, new TupleImpl(seqs, fields, ACKER_COMPONENT, this.startTask, stream, key, null));
  }

  private expire(now: number): void {
    // A grace period beyond the spout's own timeout, so a tree is never dropped before its spout gave up on it.
    const limit = this.timeoutMs * 2;
    for (const byTask of this.trees.values()) {
      for (const [seq, tree] of byTask) {
        if (now - tree.startMs < limit) break;
        byTask.delete(seq);
      }
    }
  }
}
