import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidTopologyError } from '@squall/api';
import { completeTopology, LocalCluster } from '@squall/local';
import { liveChildPids } from '@squall/multilang';
import { loadTopology } from '@squall/packager';
import { loadYamlTopology, YAML_FILE_LOADERS, YamlTopologyError } from '../src';
import { tempDir, WORDCOUNT_PYTHON } from './helpers';

async function yamlError(file: string): Promise<YamlTopologyError> {
  try {
    await loadYamlTopology(file);
  } catch (err) {
    assert.ok(err instanceof YamlTopologyError, String(err));
    return err;
  }
  assert.fail('expected a YamlTopologyError');
}

test('the example topology.yaml loads to the seed word count: shell spout and bolt, parallelism 2, fields grouping', async () => {
  const t = await loadYamlTopology(path.join(WORDCOUNT_PYTHON, 'topology.yaml'));
  assert.equal(t.name, 'wordcount-python');
  assert.deepEqual(t.buildProblems, []);
  const [word, count] = [t.component('word')!, t.component('count')!];
  assert.deepEqual(word.shell, { command: ['python3', '-m', 'squall.run', 'spouts.words.WordSpout'] });
  assert.deepEqual(word.outputs, [{ id: 'default', fields: ['word'], direct: false }]);
  assert.equal(count.parallelism, 2);
  assert.deepEqual(count.inputs, [
    { component: 'word', stream: 'default', grouping: { type: 'fields', fields: ['word'] } },
  ]);
  assert.deepEqual(count.outputs, [{ id: 'default', fields: ['word', 'count'], direct: false }]);
});

test('YAML_FILE_LOADERS let the packager (squall local/submit) load a directory holding topology.yaml', async () => {
  const loaded = await loadTopology(WORDCOUNT_PYTHON, process.cwd(), { loaders: { files: YAML_FILE_LOADERS } });
  assert.equal(loaded.topology.name, 'wordcount-python');
  assert.equal(loaded.dir, WORDCOUNT_PYTHON);
});

test('without a YAML loader the packager names the missing loader instead of compiling YAML as a module', async () => {
  await assert.rejects(
    loadTopology(WORDCOUNT_PYTHON),
    /topology\.yaml: no loader for \.yaml topologies was given to this process/,
  );
});

test('validation errors name file, line and field, every problem at once', async () => {
  const tmp = tempDir();
  try {
    const file = path.join(tmp.dir, 'bad.yaml');
    writeFileSync(
      file,
      [
        'name: bad',
        'config:',
        '  topology.workers: two',
        'spouts:',
        '  - id: word',
        '    command: python3 words.py',
        '    parallelism: 0',
        'bolts:',
        '  - id: count',
        '    command: [python3, -m, squall.run, bolts.wordcount.WordCountBolt]',
        '    outputs: [word, count]',
        '    serializer: protobuf',
        '    colour: blue',
        '  - id: java',
        '    className: org.example.MyBolt',
        'streams:',
        '  - from: word',
        '    to: nowhere',
        '    grouping: {type: FIELDS, args: [word]}',
        '  - from: word',
        '    to: count',
        '    grouping:',
        '      type: SHUFFLE_ISH',
        '',
      ].join('\n'),
    );
    const err = await yamlError(file);
    const expected = [
      /bad\.yaml:3: config\.topology\.workers: must be an integer, got "two"/,
      /bad\.yaml:6: spouts\[0\]\.command: must be a list of strings, got "python3 words\.py"/,
      /bad\.yaml:7: spouts\[0\]\.parallelism: must be an integer of at least 1, got 0/,
      /bad\.yaml:12: bolts\[0\]\.serializer: must be json or msgpack, got "protobuf"/,
      /bad\.yaml:13: bolts\[0\]\.colour: unknown field/,
      /bad\.yaml:15: bolts\[1\]\.className: 'org\.example\.MyBolt' is not runnable here/,
      /bad\.yaml:18: streams\[0\]\.to: unknown component 'nowhere'/,
      /bad\.yaml:23: streams\[1\]\.grouping\.type: unknown grouping 'SHUFFLE_ISH'/,
    ];
    for (const re of expected)
      assert.ok(
        err.problems.some((p) => re.test(p)),
        `${re} in:\n${err.problems.join('\n')}`,
      );
    assert.equal(err.problems.length, expected.length, err.problems.join('\n'));
    assert.match(err.message, /8 problem\(s\)/);

    writeFileSync(file, 'name: x\nspouts:\n  - id: a\n    command: [python3\n');
    assert.match((await yamlError(file)).problems[0]!, /bad\.yaml:\d+: Flow sequence/);
  } finally {
    tmp.remove();
  }
});

const TS_SPOUT = `
import { Spout, type OutputFieldsDeclarer } from '@squall/api';
export class WordsSpout extends Spout {
  private i = 0;
  constructor(private readonly words: string[] = [], private readonly field = 'word') { super(); }
  override declareOutputFields(d: OutputFieldsDeclarer): void { d.declare([this.field]); }
  nextTuple(): void { if (this.i < this.words.length) { this.collector.emit([this.words[this.i]], this.i); this.i++; } }
}
`;

test('Python field names are validated at submit: problems name component, stream, field and line', async () => {
  const tmp = tempDir();
  try {
    writeFileSync(path.join(tmp.dir, 'words-spout.ts'), TS_SPOUT);
    const file = path.join(tmp.dir, 'fields.yaml');
    writeFileSync(
      file,
      [
        'name: fields',
        'spouts:',
        '  - id: src',
        '    module: ./words-spout.ts',
        '    className: WordsSpout',
        '    constructorArgs: [[a], from]',
        'bolts:',
        '  - id: py',
        '    command: [python3, -m, squall.run, x.Y]',
        '    outputs:',
        '      - {stream: default, fields: [ok, _private, not-valid]}',
        '      - {stream: other, fields: [def]}',
        'streams:',
        '  - {from: src, to: py, grouping: {type: SHUFFLE}}',
        '',
      ].join('\n'),
    );
    const t = await loadYamlTopology(file);
    assert.equal(t.buildProblems.length, 4, t.buildProblems.join('\n'));
    const cluster = await LocalCluster.create();
    try {
      await assert.rejects(cluster.submitTopology('fields', {}, t), (err: unknown) => {
        assert.ok(err instanceof InvalidTopologyError);
        const text = err.problems.join('\n');
        assert.match(
          text,
          /component 'py': stream 'default': field '_private' starts with '_' .*\(.*fields\.yaml:11\)/,
        );
        assert.match(text, /component 'py': stream 'default': field 'not-valid' is not a valid Python identifier/);
        assert.match(text, /component 'py': stream 'other': field 'def' is a Python keyword .*\(.*fields\.yaml:12\)/);
        assert.match(
          text,
          /component 'py': input from 'src' stream 'default': field 'from' is a Python keyword .*\(.*fields\.yaml:14\)/,
        );
        return true;
      });
    } finally {
      await cluster.shutdown();
    }
  } finally {
    tmp.remove();
  }
});

test('mixed YAML: a TypeScript spout (module, className, constructorArgs) feeding a Flux-style FluxShellBolt running the Python word count', async () => {
  const tmp = tempDir();
  try {
    writeFileSync(path.join(tmp.dir, 'words-spout.ts'), TS_SPOUT);
    const file = path.join(tmp.dir, 'mixed.yml');
    writeFileSync(
      file,
      [
        'name: mixed',
        'spouts:',
        '  - id: word',
        '    className: ./words-spout.ts#WordsSpout',
        '    constructorArgs: [[dog, cat, dog, emu, cat, dog]]',
        'bolts:',
        '  - id: count',
        '    className: org.apache.storm.flux.wrappers.bolts.FluxShellBolt',
        '    constructorArgs:',
        '      - [python3, -m, squall.run, bolts.wordcount.WordCountBolt]',
        '      - [word, count]',
        '    configMethods:',
        '      - {name: addComponentConfig, args: [topology.shellbolt.max.pending, 7]}',
        `    env: {PYTHONPATH: ${JSON.stringify(WORDCOUNT_PYTHON)}}`,
        '    parallelism: 2',
        'streams:',
        '  - {from: word, to: count, grouping: {type: FIELDS, fields: [word]}}',
        '',
      ].join('\n'),
    );
    const t = await loadYamlTopology(file);
    assert.deepEqual(t.buildProblems, []);
    assert.equal(t.component('count')!.conf['topology.shellbolt.max.pending'], 7);
    assert.deepEqual(t.component('count')!.shell!.env, { PYTHONPATH: WORDCOUNT_PYTHON });
    const result = await completeTopology(t, { timeoutMs: 20000, quietMs: 1000 });
    assert.deepEqual(result.errors, []);
    const counts = result.emitted.count!.default!.map(([w, n]) => `${String(w)}:${String(n)}`).sort();
    assert.deepEqual(counts, ['cat:1', 'cat:2', 'dog:10', 'dog:20', 'dog:30', 'emu:1']);
    assert.equal(result.stats.word!.acked, 6);
  } finally {
    tmp.remove();
  }
});

test('Python word count from examples/wordcount-python/topology.yaml, end to end, exact counts (JSON)', async () => {
  const input = Array.from({ length: 5 }, () => ['dog', 'cat', 'zebra', 'dog', 'gnu', 'cat', 'dog']).flat();
  const topology = await loadYamlTopology(path.join(WORDCOUNT_PYTHON, 'topology.yaml'));
  const result = await completeTopology(topology, { mockSources: { word: input.map((w) => [w]) }, timeoutMs: 20000 });
  assert.deepEqual(result.errors, []);
  const emitted = result.emitted.count!.default!;
  assert.equal(emitted.length, input.length, 'one running count per word');
  const final = new Map<string, number>();
  for (const [w, n] of emitted) final.set(String(w), Math.max(final.get(String(w)) ?? 0, Number(n)));
  // The example bolt counts a dog as 10.
  assert.deepEqual(Object.fromEntries(final), { dog: 150, cat: 10, zebra: 5, gnu: 5 });
  assert.equal(result.stats.count!.acked, input.length);
  assert.equal(result.stats.word!.acked, input.length, 'every tuple tree completed through the Python bolts');
  assert.deepEqual(liveChildPids(), []);
});
