import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { topologyProblems } from '@squall/api';
import { loadYamlTopology } from '../src';
import { tempDir } from './helpers';

const TS_COMPONENTS = `
import { Spout, WindowedBolt, type OutputFieldsDeclarer, type TupleWindow } from '@squall/api';
export class Words extends Spout {
  override declareOutputFields(d: OutputFieldsDeclarer): void { d.declare(['word', 'ts']); }
  nextTuple(): void {}
}
export class Counter extends WindowedBolt {
  override declareOutputFields(d: OutputFieldsDeclarer): void { d.declare(['count']); }
  execute(w: TupleWindow): void { this.collector.emit([w.get().length]); }
}
`;

test("YAML: a windowed bolt gets its window from Storm's keys under config, its late stream declared, and is validated", async () => {
  const tmp = tempDir();
  try {
    writeFileSync(path.join(tmp.dir, 'components.ts'), TS_COMPONENTS);
    const file = path.join(tmp.dir, 'windowed.yaml');
    const yaml = (window: string[]) =>
      [
        'name: windowed',
        'config: {topology.message.timeout.secs: 30}',
        'spouts:',
        '  - {id: words, module: ./components.ts, className: Words}',
        'bolts:',
        '  - id: counter',
        '    module: ./components.ts',
        '    className: Counter',
        '    config:',
        ...window.map((l) => `      ${l}`),
        'streams:',
        '  - {from: words, to: counter, grouping: {type: FIELDS, args: [word]}}',
        '',
      ].join('\n');
    writeFileSync(
      file,
      yaml([
        'topology.bolts.window.length.duration.ms: 20000',
        'topology.bolts.window.sliding.interval.duration.ms: 5000',
        'topology.bolts.tuple.timestamp.field.name: ts',
        'topology.bolts.late.tuple.stream: late',
      ]),
    );
    const t = await loadYamlTopology(file);
    assert.deepEqual(t.component('counter')!.outputs, [
      { id: 'default', fields: ['count'], direct: false },
      { id: 'late', fields: ['late_tuple'], direct: false },
    ]);
    assert.deepEqual(topologyProblems(t), []);
    writeFileSync(
      file,
      yaml([
        'topology.bolts.window.length.duration.ms: 30000',
        'topology.bolts.window.sliding.interval.duration.ms: 5000',
        'topology.bolts.late.tuple.stream: late',
      ]),
    );
    assert.deepEqual(topologyProblems(await loadYamlTopology(file)), [
      "component 'counter': window length + sliding interval (30000 ms + 5000 ms = 35000 ms) exceeds topology.message.timeout.secs (30 s = 30000 ms): tuples would time out while still in the window",
      "component 'counter': late tuple stream 'late' needs event time: set a timestamp field (withTimestampField or topology.bolts.tuple.timestamp.field.name) or a timestamp extractor",
    ]);
  } finally {
    tmp.remove();
  }
});
