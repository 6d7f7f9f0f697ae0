import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Bolt,
  InvalidTopologyError,
  Spout,
  TopologyBuilder,
  computeLayout,
  fields,
  shuffle,
  topology,
  topologyProblems,
  validateTopology,
  type OutputFieldsDeclarer,
  type Tuple,
} from '../src';

class WordSpout extends Spout {
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word']);
    d.declareStream('direct-out', ['word'], true);
  }
  override nextTuple(): void {}
}
class CountBolt extends Bolt {
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word', 'count']);
  }
  override execute(_t: Tuple): void {}
}

test('every validation problem is reported at once, naming component and stream', () => {
  const b = new TopologyBuilder();
  b.setSpout('words', WordSpout);
  b.setBolt('count', CountBolt, 0)
    .fieldsGrouping('words', ['wrd'])
    .shuffleGrouping('ghost')
    .shuffleGrouping('words', 'nostream')
    .directGrouping('words', 'default')
    .shuffleGrouping('words', 'direct-out');
  b.setBolt('count', CountBolt).shuffleGrouping('words');
  b.setBolt('__sys', CountBolt).shuffleGrouping('words');
  b.setBolt('bad id!', CountBolt).shuffleGrouping('words');
  b.setBolt('tasks', CountBolt, 3).setNumTasks(2).shuffleGrouping('words');
  const problems = topologyProblems(b.createTopology('t'));
  const expect = [
    "component id 'count' is used more than once",
    "component 'count': parallelism must be an integer of at least 1, got 0",
    "component 'count': input from 'words' stream 'default': fields grouping on undeclared field 'wrd' (declared: word)",
    "component 'count': input from 'ghost' stream 'default': unknown source component 'ghost'",
    "component 'count': input from 'words' stream 'nostream': component 'words' declares no stream 'nostream' (declared: default, direct-out)",
    "component 'count': input from 'words' stream 'default': direct grouping on a stream not declared direct",
    "component 'count': input from 'words' stream 'direct-out': stream is declared direct, so it needs direct grouping (got shuffle)",
    "component '__sys': ids starting with '__' are reserved for system components",
    "component 'bad id!': id may only contain letters, digits, '_', '-' and '.'",
    "component 'tasks': numTasks (2) is below its parallelism (3)",
  ];
  for (const e of expect) assert.ok(problems.includes(e), `missing: ${e}\n got:\n${problems.join('\n')}`);
});

test('a topology without a spout, and bad config, are rejected', () => {
  const b = new TopologyBuilder();
  b.setBolt('count', CountBolt);
  assert.throws(
    () => validateTopology(b.createTopology('t', { 'topology.workers': 'x' })),
    (err: InvalidTopologyError) => {
      assert.ok(err instanceof InvalidTopologyError);
      assert.ok(err.problems.includes('the topology has no spout'));
      assert.ok(err.problems.some((p) => p.startsWith('config: topology.workers must be an integer')));
      return true;
    },
  );
});

test('a component conf with a __proto__ key is a validation problem naming the component, not a new prototype', () => {
  const b = new TopologyBuilder();
  b.setSpout('words', WordSpout);
  b.setBolt('count', CountBolt)
    .shuffleGrouping('words')
    .addConfigurations(JSON.parse('{"__proto__": {"topology.debug": true}}') as Record<string, unknown>);
  const t = b.createTopology('t');
  const count = t.spec.components.find((c) => c.id === 'count')!;
  assert.equal(Object.getPrototypeOf(count.conf), Object.prototype);
  assert.equal(count.conf['topology.debug'], undefined);
  assert.ok(
    topologyProblems(t).some((p) =>
      p.startsWith("component 'count': config: __proto__: key '__proto__' is not allowed"),
    ),
    topologyProblems(t).join('\n'),
  );
});

test('cycles are legal', () => {
  const b = new TopologyBuilder();
  b.setSpout('words', WordSpout);
  b.setBolt('a', CountBolt).shuffleGrouping('words').shuffleGrouping('b');
  b.setBolt('b', CountBolt).shuffleGrouping('a');
  assert.deepEqual(topologyProblems(b.createTopology('cyclic')), []);
});

test('a constructor that throws is a validation problem, not a crash', () => {
  const b = new TopologyBuilder();
  b.setSpout('words', () => {
    throw new Error('no config');
  });
  const problems = topologyProblems(b.createTopology('t'));
  assert.ok(problems.includes("component 'words': could not be created: no config"));
});

test('the declarative form builds the same spec as the builder', () => {
  const t = topology('wc', {
    words: WordSpout.spec({ par: 2 }),
    count: CountBolt.spec({
      inputs: { words: fields('word'), 'words:direct-out': { type: 'direct' } },
      par: 3,
      numTasks: 6,
    }),
    other: CountBolt.spec({ inputs: { count: shuffle() } }),
  });
  assert.deepEqual(topologyProblems(t), []);
  const count = t.component('count')!;
  assert.equal(count.parallelism, 3);
  assert.equal(count.numTasks, 6);
  assert.deepEqual(count.inputs, [
    { component: 'words', stream: 'default', grouping: { type: 'fields', fields: ['word'] } },
    { component: 'words', stream: 'direct-out', grouping: { type: 'direct' } },
  ]);
  assert.deepEqual(count.outputs, [{ id: 'default', fields: ['word', 'count'], direct: false }]);
});

test("task layout: components sorted by id, contiguous ids from 1, executors split like Storm's", () => {
  const t = topology('wc', {
    words: WordSpout.spec({ par: 2 }),
    count: CountBolt.spec({ inputs: { words: fields('word') }, par: 2, numTasks: 5 }),
  });
  const layout = computeLayout(t.spec, { 'topology.workers': 2 });
  assert.deepEqual(layout.componentTasks.get('__acker'), [1, 2]);
  assert.deepEqual(layout.componentTasks.get('count'), [3, 4, 5, 6, 7]);
  assert.deepEqual(layout.componentTasks.get('words'), [8, 9]);
  assert.deepEqual(
    layout.executors.filter((e) => e.component === 'count').map((e) => [e.startTask, e.endTask]),
    [
      [3, 5],
      [6, 7],
    ],
  );
  assert.equal(computeLayout(t.spec, { 'topology.acker.executors': 0 }).ackers, 0);
});
