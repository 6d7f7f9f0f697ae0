import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ComponentSpec, TopologySpec } from '@squall/api';
import { capParallelism, refuseForbiddenKeys, sizeProblems } from '../src/topology-limits';
import { InvalidSubmissionError } from '../src/errors';

const component = (id: string, parallelism: number, numTasks: number): ComponentSpec => ({
  id,
  kind: id === 'words' ? 'spout' : 'bolt',
  parallelism,
  numTasks,
  inputs: [],
  outputs: [],
  conf: {},
});
const spec = (...components: ComponentSpec[]): TopologySpec => ({ name: 't', components, conf: {} });

test('sizeProblems counts tasks and executors, ackers included, against nimbus limits only', () => {
  const t = spec(component('words', 1, 10_000_000), component('count', 2, 8));
  const started = process.hrtime.bigint();
  const problems = sizeProblems({}, t, { 'topology.workers': 2 });
  assert.ok(process.hrtime.bigint() - started < 50_000_000n, 'counted, not built');
  assert.deepEqual(problems, [
    "the topology has 10000010 tasks (largest: 'words' 10000000, 'count' 8, 2 acker(s)), over this cluster's nimbus.max.topology.tasks = 10000; lower numTasks or set topology.max.task.parallelism",
  ]);
  // The topology's own topology.max.task.parallelism brings it under; its nimbus.* keys are not read.
  assert.deepEqual(sizeProblems({}, t, { 'topology.max.task.parallelism': 100, 'nimbus.max.topology.tasks': 1e9 }), []);
  assert.deepEqual(
    sizeProblems({ 'nimbus.max.topology.tasks': 5 }, spec(component('words', 1, 4)), { 'topology.acker.executors': 2 })
      .length,
    1,
    '4 tasks + 2 ackers > 5',
  );
  assert.deepEqual(
    sizeProblems({ 'nimbus.max.topology.tasks': 6 }, spec(component('words', 1, 4)), { 'topology.acker.executors': 2 }),
    [],
  );
  // Executors: Storm's nimbus.executors.perTopology, with rebalance overrides.
  const e = sizeProblems(
    { 'nimbus.executors.perTopology': 4 },
    spec(component('words', 1, 8), component('count', 2, 8)),
    { 'topology.acker.executors': 0 },
    { count: 8 },
  );
  assert.deepEqual(e, [
    "the topology has 9 executors (largest: 'count' 8, 'words' 1), over this cluster's nimbus.executors.perTopology = 4; lower the parallelism hints",
  ]);
});

test('capParallelism lowers tasks and parallelism hints to topology.max.task.parallelism, like Storm', () => {
  const t = spec(component('words', 4, 16), component('count', 1, 2));
  assert.equal(capParallelism(t, {}), t, 'no cap, same spec');
  assert.deepEqual(
    capParallelism(t, { 'topology.max.task.parallelism': 3 }).components.map((c) => [c.id, c.parallelism, c.numTasks]),
    [
      ['words', 3, 3],
      ['count', 1, 2],
    ],
  );
});

test('refuseForbiddenKeys names each key and where it was', () => {
  assert.throws(
    () => refuseForbiddenKeys(JSON.parse('{"a": {"__proto__": 1}, "constructor": 2}'), 'topology conf'),
    (err: unknown) =>
      err instanceof InvalidSubmissionError &&
      err.message ===
        "invalid topology conf: 2 problem(s):\n  - topology conf: a.__proto__: key '__proto__' is not allowed (it would change or shadow an object's prototype)\n  - topology conf: constructor: key 'constructor' is not allowed (it would change or shadow an object's prototype)",
  );
  refuseForbiddenKeys({ 'topology.workers': 2, nested: { fine: [1, { ok: true }] } }, 'topology conf');
});
