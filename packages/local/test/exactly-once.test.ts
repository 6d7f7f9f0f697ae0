import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CHECKPOINT_SPOUT_ID,
  Spout,
  StatefulBolt,
  TopologyBuilder,
  exactlyOnceWiring,
  topologyProblems,
  type KeyValueState,
  type OutputFieldsDeclarer,
  type ReplayableSpout,
  type Tuple,
} from '@squall/api';
import { MemoryStateProvider } from '@squall/state';
import { LocalCluster } from '../src';
import { SplitBolt, waitFor } from './fixtures';

const sentences = (n: number) => Array.from({ length: n }, (_, i) => `s${i} w${i % 7} w${i % 3} common`);
function expectedCounts(n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of sentences(n)) for (const w of s.split(' ')) m.set(w, (m.get(w) ?? 0) + 1);
  return m;
}

/**
 * Emits its share of a fixed list of sentences (task i of n: every n-th from i); its position is the index of the next
 * one in that share. Under at-least-once it replays a failed sentence (message id = index); under exactly-once ack and
 * fail are not called. Counts emits and restores.
 */
class SentenceSpout extends Spout implements ReplayableSpout<number> {
  pos = 0;
  private share: string[] = [];
  private retry: number[] = [];
  constructor(
    private readonly list: string[],
    private readonly log: { emitted: number; restores: Array<number | undefined> },
  ) {
    super();
  }
  override open(): void {
    const n = this.context.getComponentTasks(this.context.thisComponentId).length;
    const i = this.context.thisTaskIndex;
    this.share = this.list.filter((_, k) => k % n === i);
  }
  override nextTuple(): void {
    for (let i = 0; i < 20; i++) {
      const k = this.retry.length > 0 ? this.retry.shift()! : this.pos < this.share.length ? this.pos++ : -1;
      if (k < 0) return;
      this.collector.emit([this.share[k]!], k);
      this.log.emitted++;
    }
  }
  override fail(id: unknown): void {
    this.retry.push(id as number);
  }
  snapshot(): number {
    return this.pos;
  }
  restore(position: number | undefined): void {
    this.log.restores.push(position);
    this.pos = position ?? 0;
  }
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['sentence']);
  }
}

/** Counts words in its state; fails the first delivery of each word in `failOnce` (shared by all tasks). */
class CountBolt extends StatefulBolt<string, number> {
  counts!: KeyValueState<string, number>;
  constructor(
    private readonly tasks: number[],
    private readonly onPrePrepare?: (txid: number) => void,
    private readonly failOnce: ReadonlySet<string> = new Set(),
    private readonly failed: Set<string> = new Set(),
  ) {
    super();
  }
  override prepare(_conf: unknown, context: { thisTaskId: number }): void {
    this.tasks.push(context.thisTaskId);
  }
  override initState(state: KeyValueState<string, number>): void {
    this.counts = state;
  }
  override execute(t: Tuple): void {
    const w = t.getString(0);
    if (this.failOnce.has(w) && !this.failed.has(w)) {
      this.failed.add(w);
      this.collector.fail(t);
      return;
    }
    this.counts.put(w, this.counts.get(w, 0) + 1);
    this.collector.ack(t);
  }
  override prePrepare(txid: number): void {
    this.onPrePrepare?.(txid);
  }
}

async function committed(name: string, tasks: readonly number[]): Promise<Map<string, number>> {
  const provider = new MemoryStateProvider();
  const sum = new Map<string, number>();
  for (const task of tasks) {
    const loaded = await (await provider.open(`${name}/count-${task}`)).load();
    for (const [k, v] of loaded.committed) {
      const w = JSON.parse(k) as string;
      sum.set(w, (sum.get(w) ?? 0) + (JSON.parse(v) as number));
    }
  }
  return sum;
}
const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

function topology(
  name: string,
  n: number,
  log: SentenceSpout['log'],
  tasks: number[],
  failOnce: ReadonlySet<string>,
  onPrePrepare?: (txid: number) => void,
) {
  const failed = new Set<string>();
  const b = new TopologyBuilder();
  b.setSpout('sentences', () => new SentenceSpout(sentences(n), log), 2);
  b.setBolt('split', SplitBolt, 2).shuffleGrouping('sentences');
  b.setBolt('count', () => new CountBolt(tasks, onPrePrepare, failOnce, failed), 3).fieldsGrouping('split', ['word']);
  return b.createTopology(name);
}

test('exactly-once wiring: checkpoints go from the checkpoint spout to the data spouts, and from each spout to the bolts that read it', () => {
  const t = topology('eo-wiring', 1, { emitted: 0, restores: [] }, [], new Set());
  const spec = exactlyOnceWiring(t.spec);
  const byId = new Map(spec.components.map((c) => [c.id, c]));
  assert.deepEqual(byId.get('sentences')!.inputs, [
    { component: CHECKPOINT_SPOUT_ID, stream: '$checkpoint', grouping: { type: 'all' } },
  ]);
  assert.ok(byId.get('sentences')!.outputs.some((s) => s.id === '$checkpoint'));
  assert.deepEqual(
    byId.get('split')!.inputs.filter((i) => i.stream === '$checkpoint'),
    [{ component: 'sentences', stream: '$checkpoint', grouping: { type: 'all' } }],
  );
  assert.deepEqual(
    byId.get('count')!.inputs.filter((i) => i.stream === '$checkpoint'),
    [{ component: 'split', stream: '$checkpoint', grouping: { type: 'all' } }],
  );
  // The stored spec keeps Storm's wiring.
  assert.ok(t.spec.components.find((c) => c.id === 'split')!.inputs.some((i) => i.component === CHECKPOINT_SPOUT_ID));
});

test('exactly-once is refused at submit, every problem listed, for a spout that cannot replay, no stateful bolt, or acking off', () => {
  const b = new TopologyBuilder();
  b.setSpout(
    'plain',
    () =>
      new (class extends Spout {
        override nextTuple(): void {}
        override declareOutputFields(d: OutputFieldsDeclarer): void {
          d.declare(['sentence']);
        }
      })(),
  );
  b.setSpout('ok', () => new SentenceSpout([], { emitted: 0, restores: [] }));
  b.setBolt('split', SplitBolt).shuffleGrouping('plain').shuffleGrouping('ok');
  b.setBolt('count', () => new CountBolt([]), 1).fieldsGrouping('split', ['word']);
  const t = b.createTopology('eo-bad', { 'topology.state.guarantee': 'exactly-once', 'topology.acker.executors': 0 });
  const problems = topologyProblems(t);
  assert.ok(
    problems.some((p) =>
      /component 'plain': topology.state.guarantee 'exactly-once' needs every spout to be replayable/.test(p),
    ),
    problems.join('\n'),
  );
  assert.ok(!problems.some((p) => p.includes("component 'ok'")), problems.join('\n'));
  assert.ok(
    problems.some((p) => /needs acking .* topology.acker.executors is 0/.test(p)),
    problems.join('\n'),
  );

  const noState = new TopologyBuilder();
  noState.setSpout('ok', () => new SentenceSpout([], { emitted: 0, restores: [] }));
  noState.setBolt('split', SplitBolt).shuffleGrouping('ok');
  assert.match(
    topologyProblems(noState.createTopology('eo-none', { 'topology.state.guarantee': 'exactly-once' })).join('\n'),
    /is 'exactly-once' but the topology has no stateful bolt/,
  );
  assert.match(
    topologyProblems(noState.createTopology('eo-typo', { 'topology.state.guarantee': 'exactly_once' })).join('\n'),
    /topology.state.guarantee: must be 'at-least-once' or 'exactly-once', got "exactly_once"/,
  );
});

for (const guarantee of ['exactly-once', 'at-least-once'] as const) {
  test(`${guarantee}: a word failing in 3 sentences and a failed PREPARE; the committed counts ${guarantee === 'exactly-once' ? 'equal the input exactly' : 'are never below it'}`, async () => {
    const n = 3000;
    const name = `eo-${guarantee}`;
    const log = { emitted: 0, restores: [] as Array<number | undefined> };
    const tasks: number[] = [];
    let prepareFailures = 0;
    const cluster = await LocalCluster.create();
    try {
      const topo = topology(name, n, log, tasks, new Set(['s500', 's1500', 's2500']), (txid) => {
        if (txid === 3 && prepareFailures === 0) {
          prepareFailures++;
          throw new Error('prePrepare fails once, on purpose');
        }
      });
      await cluster.submitTopology(
        name,
        {
          'topology.state.checkpoint.interval.ms': 100,
          'topology.state.guarantee': guarantee,
          'topology.message.timeout.secs': 5,
        },
        topo,
      );
      const expected = expectedCounts(n);
      const want = total(expected);
      if (guarantee === 'exactly-once') {
        await waitFor(() => log.restores.length > 0, 'the spouts to be restored', 20000);
        let last = new Map<string, number>();
        await waitForAsync(
          async () => total((last = await committed(name, tasks))) >= want,
          `committed counts to reach ${want}`,
          60000,
        );
        // Two more checkpoints: nothing may be added afterwards.
        await new Promise((r) => setTimeout(r, 500));
        assert.deepEqual(await committed(name, tasks), expected);
        assert.deepEqual(last, expected);
        assert.ok(log.emitted > n, `replays happened (${log.emitted} emits for ${n} sentences)`);
        assert.ok(
          log.restores.length >= 4,
          `restored at start and after each rollback: ${JSON.stringify(log.restores)}`,
        );
      } else {
        await waitForAsync(
          async () => total(await committed(name, tasks)) >= want,
          `committed counts to reach ${want}`,
          60000,
        );
        await new Promise((r) => setTimeout(r, 1500));
        const got = await committed(name, tasks);
        for (const [w, c] of expected) assert.ok((got.get(w) ?? 0) >= c, `${w}: ${got.get(w)} < ${c}`);
        // What exactly-once prevents: a sentence replayed after one of its words failed counts its other words twice.
        assert.ok(
          total(got) > want,
          `at-least-once double-counted the replayed sentences' other words (${total(got)} > ${want})`,
        );
      }
      assert.equal(prepareFailures, 1);
    } finally {
      await cluster.shutdown();
    }
  });
}

async function waitForAsync(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
