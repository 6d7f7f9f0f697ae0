import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CHECKPOINT_SPOUT_ID, topologyProblems } from '@squall/api';
import { LocalCluster } from '@squall/local';
import { loadYamlTopology } from '../src';
import { tempDir } from './helpers';

// The components record what happened in a global: the loader compiles this file as a module of its own.
const TS_COMPONENTS = `
import { Spout, StatefulBolt, type KeyValueState, type OutputFieldsDeclarer, type Tuple } from '@squall/api';
const seen = ((globalThis as any).yamlStateful ??= { acked: new Set<number>(), failed: 0, counted: 0 });
export class Words extends Spout {
  private next = 0;
  override declareOutputFields(d: OutputFieldsDeclarer): void { d.declare(['word']); }
  nextTuple(): void {
    if (this.next >= 300) return;
    const id = this.next++;
    this.collector.emit(['w' + (id % 5)], id);
  }
  override ack(id: unknown): void { seen.acked.add(id as number); }
  override fail(): void { seen.failed++; }
}
export class Counter extends StatefulBolt<string, number> {
  private counts!: KeyValueState<string, number>;
  override initState(state: KeyValueState<string, number>): void { this.counts = state; }
  execute(t: Tuple): void {
    this.counts.put(t.getString(0), this.counts.get(t.getString(0), 0) + 1);
    seen.counted++;
    this.collector.ack(t);
  }
}
`;

test('YAML: a topology with a stateful bolt gets the checkpoint spout and streams, and its acks arrive once checkpoints commit', async () => {
  const tmp = tempDir();
  const cluster = await LocalCluster.create();
  try {
    writeFileSync(path.join(tmp.dir, 'components.ts'), TS_COMPONENTS);
    const file = path.join(tmp.dir, 'stateful.yaml');
    writeFileSync(
      file,
      [
        'name: stateful',
        'config: {topology.state.checkpoint.interval.ms: 100}',
        'spouts:',
        '  - {id: words, module: ./components.ts, className: Words}',
        'bolts:',
        '  - {id: counter, module: ./components.ts, className: Counter, parallelism: 2}',
        'streams:',
        '  - {from: words, to: counter, grouping: {type: FIELDS, args: [word]}}',
        '',
      ].join('\n'),
    );
    const t = await loadYamlTopology(file);
    assert.deepEqual(topologyProblems(t), []);
    const byId = new Map(t.spec.components.map((c) => [c.id, c]));
    assert.ok(byId.has(CHECKPOINT_SPOUT_ID), 'the checkpoint spout is added');
    assert.deepEqual(
      byId.get('counter')!.inputs.filter((i) => i.stream === '$checkpoint'),
      [{ component: CHECKPOINT_SPOUT_ID, stream: '$checkpoint', grouping: { type: 'all' } }],
    );
    await cluster.submitTopology('stateful', t.spec.conf, t);
    const seen = (globalThis as unknown as { yamlStateful: { acked: Set<number>; failed: number; counted: number } })
      .yamlStateful;
    const deadline = Date.now() + 30000;
    // A stateful bolt's acks are held until the checkpoint that saved its state commits: without the checkpoint
    // wiring none of them would ever arrive.
    while (seen.acked.size < 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(seen.acked.size, 300);
    assert.equal(seen.failed, 0);
    assert.equal(seen.counted, 300);
  } finally {
    await cluster.shutdown();
    tmp.remove();
  }
});

test('YAML: a topology without a stateful bolt gets no checkpoint spout', async () => {
  const tmp = tempDir();
  try {
    writeFileSync(path.join(tmp.dir, 'components.ts'), TS_COMPONENTS);
    const file = path.join(tmp.dir, 'plain.yaml');
    writeFileSync(
      file,
      ['name: plain', 'spouts:', '  - {id: words, module: ./components.ts, className: Words}', ''].join('\n'),
    );
    const t = await loadYamlTopology(file);
    assert.equal(
      t.spec.components.some((c) => c.id === CHECKPOINT_SPOUT_ID),
      false,
    );
  } finally {
    tmp.remove();
  }
});
