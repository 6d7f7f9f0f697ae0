import type { ExecutorSpec } from '@squall/api';
import { ACK_ACK_STREAM, ACK_FAIL_STREAM, ACK_INIT_STREAM, ACK_RESET_TIMEOUT_STREAM } from './acking';
import { ExecutorBase } from './executor-base';
import type { ExecutorHost } from './executor-host';
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
 * a bolt failed it. Trees are keyed by spout task, then sequence number. Trees older than the message timeout are
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
  private lastTrees: Map<number, Tree> | undefined;

  constructor(spec: ExecutorSpec, host: ExecutorHost) {
    super(spec, host, 'acker');
    this.notifyStreams = Object.fromEntries(
      [ACK_ACK_STREAM, ACK_FAIL_STREAM, ACK_RESET_TIMEOUT_STREAM].map((s) => [s, host.model.systemStream(ACKER_COMPONENT, s)]),
    );
    this.timeoutMs = this.settings.messageTimeoutMs;
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
      const ackerTask = q.peekTask();
      const t = q.shift();
      n++;
      const v = t.values as number[];
      const spoutTask = v[0]!;
      const seq = v[1]!;
      let byTask = spoutTask === this.lastSpoutTask ? this.lastTrees : this.trees.get(spoutTask);
      if (!byTask) this.trees.set(spoutTask, (byTask = new Map()));
      this.lastSpoutTask = spoutTask;
      this.lastTrees = byTask;
      const stream = t.sourceStreamId;
      if (stream === ACK_INIT_STREAM || stream === ACK_ACK_STREAM) {
        let tree = byTask.get(seq);
        if (!tree) {
          tree = this.free.pop() ?? { hi: 0, lo: 0, inited: false, startMs: 0 };
          tree.hi = v[2]!;
          tree.lo = v[3]!;
          tree.inited = stream === ACK_INIT_STREAM;
          tree.startMs = now;
          byTask.set(seq, tree);
        } else {
          tree.hi ^= v[2]!;
          tree.lo ^= v[3]!;
          if (stream === ACK_INIT_STREAM) tree.inited = true;
        }
        if (tree.inited && tree.hi === 0 && tree.lo === 0) {
          byTask.delete(seq);
          if (this.free.length < 4096) this.free.push(tree);
          this.notify(ackerTask, spoutTask, seq, ACK_ACK_STREAM);
        }
      } else if (stream === ACK_FAIL_STREAM) {
        byTask.delete(seq);
        this.notify(ackerTask, spoutTask, seq, ACK_FAIL_STREAM);
      } else if (stream === ACK_RESET_TIMEOUT_STREAM) {
        const tree = byTask.get(seq);
        if (tree) {
          byTask.delete(seq);
          tree.startMs = now;
          byTask.set(seq, tree);
        }
        this.notify(ackerTask, spoutTask, seq, ACK_RESET_TIMEOUT_STREAM);
      }
    }
    if (n > 0) {
      this.stats.busyMs += this.host.clock.monotonicMs() - t0;
      // Acker messages are counted per batch, not per message: Storm shows them as executed by __acker.
      const ic = this.stats.input('__acker:messages');
      ic.executed += n;
      ic.acked += n;
    }
    if (now >= this.nextExpiry && this.timeoutMs !== Infinity) {
      this.nextExpiry = now + Math.min(1000, Math.max(10, this.timeoutMs / 10));
      this.expire(now);
    }
    return n;
  }

  private notify(ackerTask: number, spoutTask: number, seq: number, stream: string): void {
    const out = this.stats.output(stream);
    out.emitted++;
    out.transferred++;
    const { fields, key } = this.notifyStreams[stream]!;
    this.host.deliver(spoutTask, new TupleImpl([seq], fields, ACKER_COMPONENT, ackerTask, stream, key, null));
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
