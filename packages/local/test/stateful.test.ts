import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CHECKPOINT_SPOUT_ID,
  StatefulBolt,
  TopologyBuilder,
  type KeyValueState,
  type OutputFieldsDeclarer,
  type Tuple,
} from '@squall/api';
import { MemoryStateProvider } from '@squall/state';
import { LocalCluster } from '../src';
import { ListSpout, SpoutLedger, SplitBolt, waitFor } from './fixtures';

/** Counts words in its state; acks every input (held by the engine until the checkpoint commits). */
class CountBolt extends StatefulBolt<string, number> {
  counts!: KeyValueState<string, number>;
  initStates = 0;
  constructor(
    private readonly taskIds: number[] = [],
    private readonly onPrePrepare?: (txid: number, bolt: CountBolt) => void,
  ) {
    super();
  }
  override prepare(_conf: unknown, context: { thisTaskId: number }): void {
    this.taskIds.push(context.thisTaskId);
  }
  override initState(state: KeyValueState<string, number>): void {
    this.counts = state;
    this.initStates++;
  }
  override execute(t: Tuple): void {
    const w = t.getString(0);
    const n = this.counts.get(w, 0) + 1;
    this.counts.put(w, n);
    this.collector.emit(t, [w, n]);
    this.collector.ack(t);
  }
  override prePrepare(txid: number): void {
    this.onPrePrepare?.(txid, this);
  }
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word', 'count']);
  }
}

/** The committed entries of every task of `component` in topology `name`, summed by key (memory provider). */
async function committed(name: string, component: string, tasks: readonly number[]): Promise<Map<string, number>> {
  const provider = new MemoryStateProvider();
  const sum = new Map<string, number>();
  for (const task of tasks) {
    const loaded = await (await provider.open(`${name}/${component}-${task}`)).load();
    for (const [k, v] of loaded.committed)
      sum.set(JSON.parse(k) as string, (sum.get(JSON.parse(k) as string) ?? 0) + (JSON.parse(v) as number));
  }
  return sum;
}

const sentences = (n: number) => Array.from({ length: n }, (_, i) => [`w${i % 7} w${i % 3} common`]);
function expectedCounts(n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (const [s] of sentences(n)) for (const w of (s as string).split(' ')) m.set(w, (m.get(w) ?? 0) + 1);
  return m;
}

function wordCount(name: string, n: number, ledger: SpoutLedger, bolt: () => CountBolt) {
  const b = new TopologyBuilder();
  b.setSpout('sentences', () => new ListSpout(sentences(n), ledger, { fields: ['sentence'] }));
  b.setBolt('split', SplitBolt, 2).shuffleGrouping('sentences');
  b.setBolt('count', bolt, 3).fieldsGrouping('split', ['word']);
  return b.createTopology(name);
}

test('the builder wires checkpoints as Storm does: the checkpoint spout, $checkpoint out of every bolt, all-grouped from each source', () => {
  const t = wordCount('wiring', 1, new SpoutLedger(), () => new CountBolt());
  const byId = new Map(t.spec.components.map((c) => [c.id, c]));
  assert.deepEqual(byId.get(CHECKPOINT_SPOUT_ID)!.outputs, [
    { id: '$checkpoint', fields: ['txid', 'action'], direct: false },
  ]);
  assert.equal(byId.get(CHECKPOINT_SPOUT_ID)!.numTasks, 1);
  assert.deepEqual(
    byId.get('split')!.inputs.filter((i) => i.stream === '$checkpoint'),
    [{ component: CHECKPOINT_SPOUT_ID, stream: '$checkpoint', grouping: { type: 'all' } }],
  );
  assert.deepEqual(
    byId.get('count')!.inputs.filter((i) => i.stream === '$checkpoint'),
    [{ component: 'split', stream: '$checkpoint', grouping: { type: 'all' } }],
  );
  assert.ok(byId.get('split')!.outputs.some((s) => s.id === '$checkpoint'));
  const plain = new TopologyBuilder();
  plain.setSpout('s', () => new ListSpout([], new SpoutLedger()));
  plain.setBolt('b', SplitBolt).shuffleGrouping('s');
  assert.equal(
    plain.createTopology('plain').spec.components.some((c) => c.id === CHECKPOINT_SPOUT_ID),
    false,
    'no checkpoints without a stateful bolt',
  );
});

test('stateful word count: the committed state holds exactly every word once every tuple is acked, and each ack comes after the commit that saved it', async () => {
  const ledger = new SpoutLedger();
  const n = 600;
  const bolts: CountBolt[] = [];
  const tasks: number[] = [];
  const cluster = await LocalCluster.create();
  try {
    const topo = wordCount('swc', n, ledger, () => {
      const b = new CountBolt(tasks);
      bolts.push(b);
      return b;
    });
    const running = await cluster.submitTopology('swc', { 'topology.state.checkpoint.interval.ms': 100 }, topo);
    await waitFor(() => ledger.acked.size === n, `all ${n} sentences acked`, 30000);
    assert.deepEqual(await committed('swc', 'count', tasks), expectedCounts(n));
    assert.equal(ledger.failCount, 0);
    // (The builder made one more instance, to read its declarations; that one never runs.)
    assert.deepEqual(bolts.map((b) => b.initStates).sort(), [0, 1, 1, 1], 'initState once per task');
    assert.equal(running.stats()[CHECKPOINT_SPOUT_ID]!.failed, 0);
    assert.ok(running.stats()[CHECKPOINT_SPOUT_ID]!.acked >= 3, 'INITSTATE, then at least one PREPARE and COMMIT');
    assert.deepEqual(running.errors(), []);
  } finally {
    await cluster.shutdown();
  }
});

test('acks are held until the checkpoint commits: a spout ack never arrives before its effect is committed', async () => {
  const ledger = new SpoutLedger();
  const n = 200;
  const provider = new MemoryStateProvider();
  const tasks: number[] = [];
  const checks: Array<Promise<string | undefined>> = [];
  class CheckingSpout extends ListSpout {
    override ack(id: unknown): void {
      super.ack(id);
      // Every word of sentence `id` must already be in some task's committed state.
      const words = (sentences(n)[id as number]![0] as string).split(' ');
      checks.push(
        (async () => {
          const all = new Set<string>();
          for (const task of tasks)
            for (const k of (await (await provider.open(`held/count-${task}`)).load()).committed.keys())
              all.add(JSON.parse(k) as string);
          const missing = words.filter((w) => !all.has(w));
          return missing.length > 0
            ? `sentence ${String(id)} acked before ${missing.join(',')} was committed`
            : undefined;
        })(),
      );
    }
  }
  const b = new TopologyBuilder();
  b.setSpout('sentences', () => new CheckingSpout(sentences(n), ledger, { fields: ['sentence'] }));
  b.setBolt('split', SplitBolt, 2).shuffleGrouping('sentences');
  b.setBolt('count', () => new CountBolt(tasks), 3).fieldsGrouping('split', ['word']);
  const cluster = await LocalCluster.create();
  try {
    await cluster.submitTopology('held', { 'topology.state.checkpoint.interval.ms': 200 }, b.createTopology('held'));
    await waitFor(() => ledger.acked.size === n, `all ${n} sentences acked`, 30000);
    const problems = (await Promise.all(checks)).filter((p) => p !== undefined);
    assert.deepEqual(problems, []);
    assert.equal(checks.length, n);
  } finally {
    await cluster.shutdown();
  }
});

test('a checkpoint that fails in PREPARE rolls every task back and fails the inputs it covered; the replays lose nothing and over-count only replayed input', async () => {
  const ledger = new SpoutLedger();
  const n = 400;
  let thrown = 0;
  const tasks: number[] = [];
  const cluster = await LocalCluster.create();
  try {
    const topo = wordCount(
      'rollback',
      n,
      ledger,
      () =>
        new CountBolt(tasks, (txid, bolt) => {
          // The first prepare of a task that has counted something fails, once.
          if (thrown === 0 && bolt.counts.size > 0) {
            thrown++;
            throw new Error(`prePrepare failing on purpose at txid ${txid}`);
          }
        }),
    );
    const running = await cluster.submitTopology('rollback', { 'topology.state.checkpoint.interval.ms': 100 }, topo);
    await waitFor(() => ledger.acked.size === n, `all ${n} sentences acked`, 60000);
    assert.equal(thrown, 1);
    assert.ok(ledger.failCount > 0, 'the rollback failed the inputs of the checkpoint, and the spout replayed them');
    // At-least-once: nothing is lost, and only replayed sentences can be counted twice (a word of a sentence emitted
    // while the rollback was on its way may be counted after it on one task and rolled back on another).
    const counts = await committed('rollback', 'count', tasks);
    let extra = 0;
    for (const [w, expected] of expectedCounts(n)) {
      assert.ok((counts.get(w) ?? 0) >= expected, `${w}: counted ${counts.get(w)}, expected at least ${expected}`);
      extra += (counts.get(w) ?? 0) - expected;
    }
    assert.equal(counts.size, expectedCounts(n).size);
    assert.ok(extra <= 3 * ledger.failCount, `${extra} extra counts for ${ledger.failCount} replayed sentences`);
    assert.ok(
      running.errors().some((e) => e.component === 'count' && /prePrepare failing on purpose/.test(e.message)),
      JSON.stringify(running.errors()),
    );
    assert.ok(running.stats()[CHECKPOINT_SPOUT_ID]!.failed >= 1, 'the checkpoint tuple failed');
  } finally {
    await cluster.shutdown();
  }
});

test('state survives a restart of the topology (same name): initState gets the committed counts, new input adds to them', async () => {
  const cluster = await LocalCluster.create();
  const tasks: number[] = [];
  try {
    const first = new SpoutLedger();
    await cluster.submitTopology(
      'again',
      { 'topology.state.checkpoint.interval.ms': 100 },
      wordCount('again', 100, first, () => new CountBolt()),
    );
    await waitFor(() => first.acked.size === 100, 'the first run acked', 30000);
    await cluster.killTopology('again');
    const second = new SpoutLedger();
    const seen: number[] = [];
    await cluster.submitTopology(
      'again',
      { 'topology.state.checkpoint.interval.ms': 100 },
      wordCount('again', 100, second, () => {
        const b = new CountBolt(tasks);
        const init = b.initState.bind(b);
        b.initState = (s) => {
          seen.push(s.size);
          init(s);
        };
        return b;
      }),
    );
    await waitFor(() => second.acked.size === 100, 'the second run acked', 30000);
    assert.equal(
      seen.reduce((a, b) => a + b, 0),
      expectedCounts(100).size,
      'every word was in some task state at initState',
    );
    const twice = new Map([...expectedCounts(100)].map(([k, v]) => [k, 2 * v]));
    assert.deepEqual(await committed('again', 'count', tasks), twice);
  } finally {
    await cluster.shutdown();
  }
});

test('a drained kill and a deactivation keep checkpointing: the held acks of inputs already taken are committed, not left to time out', async () => {
  const ledger = new SpoutLedger();
  const n = 300;
  const cluster = await LocalCluster.create();
  try {
    const topo = wordCount('drain', n, ledger, () => new CountBolt());
    await cluster.submitTopology('drain', { 'topology.state.checkpoint.interval.ms': 500 }, topo);
    await waitFor(() => ledger.emitted === n, 'every sentence emitted');
    cluster.deactivate('drain');
    await waitFor(() => ledger.acked.size === n, 'every sentence acked while deactivated', 10000);
    assert.equal(ledger.failCount, 0);
    cluster.activate('drain');
    await cluster.killTopology('drain', 3);
  } finally {
    await cluster.shutdown();
  }
});
