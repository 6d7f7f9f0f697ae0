import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { TopologyBuilder } from '@squall/api';
import { completeTopology, LocalCluster } from '@squall/local';
import { setShellBolt, setShellSpout } from '../src';
import { FIXTURES, Ledger, ReplaySpout, SinkBolt, tempDir, waitFor, WORDCOUNT_PYTHON } from './helpers';

type Received = Array<{ component: string; stream: string; values: unknown[] }>;
const PY_FIXTURES = path.join(FIXTURES, 'python');

const WORDS = ['dog', 'cat', 'zebra', 'elephant', 'dog', 'cat', 'dog', 'gnu', 'cat', 'dog'];
const INPUT = Array.from({ length: 60 }, (_, i) => WORDS[(i * 7) % WORDS.length]!);

/** What WordCountBolt must emit for INPUT: per word, every running count (a dog counts 10). */
function expectedCounts(): string[] {
  const seen = new Map<string, number>();
  const out: string[] = [];
  for (const w of INPUT) {
    const n = (seen.get(w) ?? 0) + (w === 'dog' ? 10 : 1);
    seen.set(w, n);
    out.push(`${w}:${n}`);
  }
  return out.sort();
}

test('msgpack mode end to end: the Python word count with -s msgpack gives the same exact counts', async () => {
  const b = new TopologyBuilder();
  b.setSpout('word', () => new ReplaySpout([], new Ledger(), 'word'));
  setShellBolt(
    b,
    'count',
    {
      command: ['python3', '-m', 'squall.run', '-s', 'msgpack', 'bolts.wordcount.WordCountBolt'],
      serializer: 'msgpack',
      outputs: ['word', 'count'],
      cwd: WORDCOUNT_PYTHON,
    },
    2,
  ).fieldsGrouping('word', ['word']);
  const result = await completeTopology(b.createTopology('wc-msgpack'), {
    mockSources: { word: INPUT.map((w) => [w]) },
    timeoutMs: 20000,
  });
  assert.deepEqual(result.errors, []);
  assert.deepEqual(
    result.emitted.count!.default!.map(([w, n]) => `${String(w)}:${String(n)}`).sort(),
    expectedCounts(),
  );
});

test('Python spout message ids (beyond 2^53, 64-bit, negative, string, float) come back exactly, in JSON and msgpack', async () => {
  const received: Received = [];
  const b = new TopologyBuilder();
  for (const serializer of ['json', 'msgpack'] as const)
    setShellSpout(b, serializer, {
      command: ['python3', '-m', 'squall.run', '-s', serializer, 'ml_fixtures.IdSpout'],
      serializer,
      outputs: [{ fields: ['n'] }, { stream: 'acked', fields: ['kind', 'id', 'same'] }],
      cwd: PY_FIXTURES,
    });
  b.setBolt('sink', () => new SinkBolt(received))
    .shuffleGrouping('json')
    .shuffleGrouping('msgpack')
    .shuffleGrouping('json', 'acked')
    .shuffleGrouping('msgpack', 'acked');
  const cluster = await LocalCluster.create();
  try {
    const running = await cluster.submitTopology('ids', {}, b.createTopology('ids'));
    const acks = (c: string) => received.filter((r) => r.component === c && r.stream === 'acked');
    await waitFor(
      () => acks('json').length === 8 && acks('msgpack').length === 8,
      15000,
      'all ids acked by both spouts',
    );
    const expected = [
      '1',
      '9007199254740993',
      '18446744073709551615',
      '9223372036854775815',
      '-5',
      '-1099511627776',
      "'str-id'",
      '1.5',
    ].sort();
    for (const c of ['json', 'msgpack']) {
      assert.deepEqual(
        acks(c)
          .map((r) => r.values[1])
          .sort(),
        expected,
        c,
      );
      for (const r of acks(c))
        assert.deepEqual([r.values[0], r.values[2]], ['ack', true], `${c}: ${String(r.values[1])}`);
    }
    assert.deepEqual(running.errors(), []);
  } finally {
    await cluster.shutdown();
  }
});

for (const window of [8, 1])
  test(`a Python spout answering pipelined nexts (topology.shellspout.max.pending ${window}): every value once, in order, across a deactivation; an exhausted one backs off`, async () => {
    const tmp = tempDir();
    const nextsFile = path.join(tmp.dir, 'nexts');
    const N = 3000;
    const received: Received = [];
    const b = new TopologyBuilder();
    for (const serializer of ['json', 'msgpack'] as const)
      setShellSpout(b, serializer, {
        command: ['python3', '-m', 'squall.run', '-s', serializer, 'ml_fixtures.SequenceSpout'],
        serializer,
        outputs: ['n'],
        cwd: PY_FIXTURES,
        env: { SEQUENCE_N: String(N), SEQUENCE_NEXTS: `${nextsFile}-${serializer}` },
      });
    b.setBolt('sink', () => new SinkBolt(received))
      .shuffleGrouping('json')
      .shuffleGrouping('msgpack');
    const cluster = await LocalCluster.create();
    try {
      const running = await cluster.submitTopology(
        'seq',
        { 'topology.acker.executors': 0, 'topology.shellspout.max.pending': window },
        b.createTopology('seq'),
      );
      const values = (c: string) => received.filter((r) => r.component === c).map((r) => r.values[0] as number);
      await waitFor(() => values('json').length >= N / 3, 15000, 'a third of the values');
      // Deactivated with nexts in flight: their answers are emitted, nothing is lost or repeated.
      cluster.deactivate('seq');
      await new Promise((r) => setTimeout(r, 300));
      cluster.activate('seq');
      await waitFor(
        () => values('json').length === N && values('msgpack').length === N,
        20000,
        'every value from both spouts',
      );
      const expected = Array.from({ length: N }, (_, i) => i + 1);
      assert.deepEqual(values('json'), expected);
      assert.deepEqual(values('msgpack'), expected);
      // Exhausted: each next is answered by a bare sync, which must make the engine back off (about one next per
      // millisecond after the yield passes), not ask again at once.
      const nexts = () => Number(readFileSync(`${nextsFile}-json`, 'utf8') || 0);
      await waitFor(() => existsSync(`${nextsFile}-json`), 5000, 'an empty next');
      const before = nexts();
      await new Promise((r) => setTimeout(r, 1000));
      const perSecond = nexts() - before;
      assert.ok(perSecond > 20 && perSecond < 2500, `empty nexts per second: ${perSecond}`);
      assert.deepEqual(running.errors(), []);
    } finally {
      await cluster.shutdown();
      tmp.remove();
    }
  });

test('Python bolt exception (pystorm semantics): error reported, input failed and replayed, child restarted', async () => {
  const tmp = tempDir();
  const ledger = new Ledger();
  const received: Received = [];
  const items = Array.from({ length: 20 }, (_, i) => i);
  const b = new TopologyBuilder();
  b.setSpout('src', () => new ReplaySpout(items, ledger));
  setShellBolt(b, 'py', {
    command: ['python3', '-m', 'squall.run', 'ml_fixtures.ExplodingBolt'],
    outputs: ['value'],
    cwd: PY_FIXTURES,
    env: { FIXTURE_MARKER: path.join(tmp.dir, 'exploded') },
  }).shuffleGrouping('src');
  b.setBolt('sink', () => new SinkBolt(received)).shuffleGrouping('py');
  const cluster = await LocalCluster.create();
  try {
    const running = await cluster.submitTopology('explode', {}, b.createTopology('explode'));
    await waitFor(() => ledger.acked.size === items.length, 15000, 'every item acked');
    const messages = running.errors().map((e) => e.message);
    assert.ok(
      messages.some((m) => /ValueError: boom on 7/.test(m)),
      JSON.stringify(messages),
    );
    assert.ok(
      messages.some((m) => /exited \(code 1\)/.test(m)),
      JSON.stringify(messages),
    );
    assert.ok(ledger.fails >= 1);
    assert.deepEqual(new Set(received.map((r) => r.values[0])), new Set(items));
  } finally {
    await cluster.shutdown();
    tmp.remove();
  }
});
