import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TopologySpec } from '@squall/api';
import { childEnvironment, PYTHON_LIBRARY_DIR } from '@squall/multilang';
import { loadStreamparseProject, readRequirements, StreamparseProjectError } from '../src';
import { tempDir } from './helpers';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const EXAMPLE = path.join(ROOT, 'examples', 'wordcount-streamparse');

/**
 * A virtualenv with the real streamparse from PyPI, shared by runs (a marker says it is complete). Undefined, with the
 * reason printed once, when pip cannot install it (no network).
 */
function realStreamparsePython(): { python?: string; reason?: string } {
  const venv = path.join(tmpdir(), 'squall-test-real-streamparse');
  const python = path.join(venv, 'bin', 'python');
  const marker = path.join(venv, '.squall-ready');
  if (existsSync(marker)) return { python };
  spawnSync('rm', ['-rf', venv]);
  const made = spawnSync('python3', ['-m', 'venv', venv], { encoding: 'utf8' });
  if (made.status !== 0) return { reason: `python3 -m venv failed: ${made.stderr.trim()}` };
  const pip = spawnSync(python, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', 'streamparse'], {
    encoding: 'utf8',
    timeout: 300000,
  });
  if (pip.status !== 0)
    return { reason: `pip cannot install streamparse from PyPI (${pip.stderr.trim().split('\n').pop()})` };
  writeFileSync(marker, '');
  return { python };
}

const pythons: Record<'squall' | 'real', { python?: string; reason?: string }> = {
  squall: { python: 'python3' },
  real: {},
};
let tmp: { dir: string; remove(): void };
before(() => {
  tmp = tempDir('squall-sparse-test-');
  pythons.real = realStreamparsePython();
  if (!pythons.real.python) process.stderr.write(`# real streamparse tests skipped: ${pythons.real.reason}\n`);
  // The system Python must not have streamparse, or the "without it" half would test nothing.
  const has = spawnSync('python3', ['-c', 'import streamparse'], { env: { ...process.env, PYTHONPATH: '' } });
  assert.notEqual(
    has.status,
    0,
    "python3 on PATH has streamparse installed: the tests of Squall's stand-in need one without",
  );
});
after(() => tmp?.remove());

/** A path as the loader shows it: relative to the working directory when inside it. */
function shown(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel.startsWith('..') ? p : rel;
}

/** Loads a project with the given Python reading its topology. */
async function loadTopologyOf(project: string, python: string, name?: string) {
  const saved = process.env.SQUALL_PYTHON;
  process.env.SQUALL_PYTHON = python;
  try {
    return (await loadStreamparseProject(project, name ? { name } : {})).topology;
  } finally {
    if (saved === undefined) delete process.env.SQUALL_PYTHON;
    else process.env.SQUALL_PYTHON = saved;
  }
}

async function load(project: string, python: string, name?: string): Promise<TopologySpec> {
  const saved = process.env.SQUALL_PYTHON;
  process.env.SQUALL_PYTHON = python;
  try {
    return (await loadStreamparseProject(project, name ? { name } : {})).topology.spec;
  } finally {
    if (saved === undefined) delete process.env.SQUALL_PYTHON;
    else process.env.SQUALL_PYTHON = saved;
  }
}

async function problems(project: string, python: string, name?: string): Promise<string[]> {
  try {
    await load(project, python, name);
  } catch (err) {
    assert.ok(err instanceof StreamparseProjectError, String(err));
    return [...err.problems];
  }
  assert.fail('expected a StreamparseProjectError');
}

/** A project dir with these files (paths relative to it); config.json as sparse quickstart writes it by default. */
function project(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp.dir, name);
  const all = {
    'config.json': '{"serializer": "json", "topology_specs": "topologies/", "virtualenv_specs": "virtualenvs/"}',
    'src/__init__.py': '',
    ...files,
  };
  for (const [rel, text] of Object.entries(all)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const COMPONENTS = `
from streamparse import Bolt, Spout, Stream

class Words(Spout):
    outputs = [Stream(fields=["word"]), Stream(fields=["word", "n"], name="numbered"), Stream(fields=["x"], name="pointed", direct=True)]
    def next_tuple(self):
        pass

class Count(Bolt):
    outputs = ["word", "count"]
    def process(self, tup):
        pass
`;

const ALL_GROUPINGS = `from streamparse import Grouping, Topology, ShellBolt
from comps import Words, Count

class Everything(Topology):
    config = {"topology.workers": 2}
    words = Words.spec(par=3)
    by_field = Count.spec(inputs={words: Grouping.fields("word")}, par=2, config={"topology.tick.tuple.freq.secs": 5})
    shuffled = Count.spec(inputs=[words])
    named = Count.spec(name="renamed", inputs={words["numbered"]: Grouping.fields(["word", "n"]), by_field: Grouping.ALL})
    globally = Count.spec(inputs={words: Grouping.GLOBAL, shuffled: Grouping.NONE})
    local = Count.spec(inputs={words["numbered"]: Grouping.LOCAL_OR_SHUFFLE})
    direct = Count.spec(inputs={words["pointed"]: Grouping.DIRECT})
    js = ShellBolt.spec(command="node", script="split.js", inputs=[by_field], outputs=["part"])
`;

function summary(spec: TopologySpec) {
  return Object.fromEntries(
    spec.components.map((c) => [
      c.id,
      {
        kind: c.kind,
        par: c.parallelism,
        command: c.shell?.command,
        outputs: c.outputs,
        inputs: c.inputs,
        conf: c.conf,
      },
    ]),
  );
}

for (const lib of ['squall', 'real'] as const) {
  describe(lib === 'squall' ? "without streamparse (Squall's DSL)" : 'with the real streamparse', () => {
    const python = () => pythons[lib].python;
    const skip = () => (pythons[lib].python ? false : `real streamparse not installable: ${pythons[lib].reason}`);

    test('the unmodified sparse quickstart project reads as the word count', async (t) => {
      if (skip()) return t.skip(String(skip()));
      const spec = await load(EXAMPLE, python()!);
      assert.equal(spec.name, 'wordcount');
      assert.deepEqual(summary(spec), {
        word_spout: {
          kind: 'spout',
          par: 1,
          command: ['streamparse_run', '-s json spouts.words.WordSpout'],
          outputs: [{ id: 'default', fields: ['word'], direct: false }],
          inputs: [],
          conf: {},
        },
        count_bolt: {
          kind: 'bolt',
          par: 2,
          command: ['streamparse_run', '-s json bolts.wordcount.WordCountBolt'],
          outputs: [{ id: 'default', fields: ['word', 'count'], direct: false }],
          inputs: [{ component: 'word_spout', stream: 'default', grouping: { type: 'fields', fields: ['word'] } }],
          conf: {},
        },
      });
      // src/ (their working directory) is on every component's PYTHONPATH, not only streamparse_run's sys.path.
      assert.deepEqual(
        spec.components.map((c) => c.shell?.env),
        [{ PYTHONPATH: '.' }, { PYTHONPATH: '.' }],
      );
      // Which library answered `import streamparse`.
      const r = spawnSync(
        python()!,
        [
          '-m',
          'squall.describe_topology',
          '--src',
          path.join(EXAMPLE, 'src'),
          path.join(EXAMPLE, 'topologies', 'wordcount.py'),
        ],
        {
          encoding: 'utf8',
          env: { ...process.env, PYTHONPATH: PYTHON_LIBRARY_DIR },
        },
      );
      assert.equal(r.status, 0, r.stderr);
      const library = (JSON.parse(r.stdout) as { library: string }).library;
      if (lib === 'squall') assert.equal(library, 'squall');
      else assert.match(library, /^streamparse \d+\./);
    });

    test('every grouping, named and direct streams, component[stream], list inputs, par, config, ShellBolt', async (t) => {
      if (skip()) return t.skip(String(skip()));
      const dir = project(`all-${lib}`, { 'src/comps.py': COMPONENTS, 'topologies/everything.py': ALL_GROUPINGS });
      const spec = await load(dir, python()!);
      const s = summary(spec);
      assert.equal(spec.name, 'everything');
      assert.deepEqual(spec.conf, { 'topology.workers': 2 });
      assert.equal(s.words!.par, 3);
      assert.deepEqual(s.words!.outputs, [
        { id: 'default', fields: ['word'], direct: false },
        { id: 'numbered', fields: ['word', 'n'], direct: false },
        { id: 'pointed', fields: ['x'], direct: true },
      ]);
      assert.deepEqual(s.by_field!.inputs, [
        { component: 'words', stream: 'default', grouping: { type: 'fields', fields: ['word'] } },
      ]);
      assert.deepEqual(s.by_field!.conf, { 'topology.tick.tuple.freq.secs': 5 });
      assert.deepEqual(s.shuffled!.inputs, [{ component: 'words', stream: 'default', grouping: { type: 'shuffle' } }]);
      assert.deepEqual(s.renamed!.inputs, [
        { component: 'words', stream: 'numbered', grouping: { type: 'fields', fields: ['word', 'n'] } },
        { component: 'by_field', stream: 'default', grouping: { type: 'all' } },
      ]);
      assert.deepEqual(s.globally!.inputs, [
        { component: 'words', stream: 'default', grouping: { type: 'global' } },
        { component: 'shuffled', stream: 'default', grouping: { type: 'none' } },
      ]);
      assert.deepEqual(s.local!.inputs, [
        { component: 'words', stream: 'numbered', grouping: { type: 'localOrShuffle' } },
      ]);
      assert.deepEqual(s.direct!.inputs, [{ component: 'words', stream: 'pointed', grouping: { type: 'direct' } }]);
      assert.deepEqual(
        s.js!.command,
        ['node', 'split.js'],
        'a ShellBolt keeps its command; the serializer flag is only for streamparse_run',
      );
      assert.deepEqual(s.js!.outputs, [{ id: 'default', fields: ['part'], direct: false }]);
    });

    test('problems name the Python file and line', async (t) => {
      if (skip()) return t.skip(String(skip()));
      const syntax = project(`syntax-${lib}`, {
        'src/comps.py': COMPONENTS,
        'topologies/t.py': 'from streamparse import Topology\n\nclass T(Topology)\n    pass\n',
      });
      const [p1] = await problems(syntax, python()!);
      assert.match(p1!, /^.*topologies\/t\.py:3: SyntaxError: /);

      const field = project(`field-${lib}`, {
        'src/comps.py': COMPONENTS,
        'topologies/t.py':
          'from streamparse import Grouping, Topology\nfrom comps import Words, Count\n\nclass T(Topology):\n    words = Words.spec()\n    count = Count.spec(inputs={words: Grouping.fields("nope")})\n',
      });
      const [p2] = await problems(field, python()!);
      assert.match(
        p2!,
        /topologies\/t\.py:6: ValueError: Field 'nope' specified in grouping is not a valid output field for the 'words' 'default' stream/,
      );

      const java = project(`java-${lib}`, {
        'src/comps.py': COMPONENTS,
        'topologies/t.py':
          'from streamparse import Grouping, JavaBolt, Topology\nfrom comps import Words\n\nclass T(Topology):\n    words = Words.spec()\n    counter = JavaBolt.spec(full_class_name="com.example.Counter", args_list=[], inputs=[words])\n',
      });
      assert.deepEqual(
        await problems(java, python()!),
        [
          "topologies/t.py:6: component 'counter' is a JavaBolt (Java class com.example.Counter): Java components cannot run on Squall (no JVM); write it in Python or another language",
        ].map((m) => `${shown(java)}/${m}`),
      );

      const keyword = project(`keyword-${lib}`, {
        'src/comps.py': 'from streamparse import Spout\n\nclass Bad(Spout):\n    outputs = ["class"]\n',
        'topologies/t.py':
          'from streamparse import Topology\nfrom comps import Bad\n\nclass T(Topology):\n    bad = Bad.spec()\n',
      });
      // pystorm would crash on the field name at run time: Squall refuses it at submit, pointing at the spec's line.
      const built = await loadTopologyOf(keyword, python()!);
      assert.equal(built.buildProblems.length, 1, built.buildProblems.join('\n'));
      assert.match(built.buildProblems[0]!, /'class' is a Python keyword/);
      assert.match(built.buildProblems[0]!, /topologies\/t\.py:5\)$/);
    });
  });
}

test('several topologies: --name picks one, otherwise one line lists them; an unknown name lists them too', async () => {
  const dir = project('several', {
    'src/comps.py': COMPONENTS,
    'topologies/one.py':
      'from streamparse import Topology\nfrom comps import Words\n\nclass One(Topology):\n    w = Words.spec()\n',
    'topologies/two.py':
      'from streamparse import Topology\nfrom comps import Words\n\nclass Two(Topology):\n    w = Words.spec(par=4)\n',
  });
  assert.match(
    (await problems(dir, 'python3'))[0]!,
    /topologies defines 2 topologies: one, two; pick one with --name <topology>/,
  );
  assert.equal((await load(dir, 'python3', 'two')).components[0]!.parallelism, 4);
  assert.match(
    (await problems(dir, 'python3', 'three'))[0]!,
    /no topology 'three' in .*topologies \(topologies: one, two\)/,
  );
});

test("Squall's DSL also has partial_key and the lower-case groupings streamparse users write", async () => {
  const dir = project('lower', {
    'src/comps.py': COMPONENTS,
    'topologies/t.py':
      'from streamparse import Grouping, Topology\nfrom comps import Words, Count\n\nclass T(Topology):\n    words = Words.spec()\n    a = Count.spec(inputs={words: Grouping.partial_key("word")})\n    b = Count.spec(inputs={words: Grouping.shuffle, a: Grouping.global_()})\n    c = Count.spec(inputs={words: Grouping.all, a: Grouping.none, b: Grouping.local_or_shuffle})\n',
  });
  const s = summary(await load(dir, 'python3'));
  assert.deepEqual(
    s.a!.inputs.map((i) => i.grouping),
    [{ type: 'partialKey', fields: ['word'] }],
  );
  assert.deepEqual(
    s.b!.inputs.map((i) => i.grouping.type),
    ['shuffle', 'global'],
  );
  assert.deepEqual(
    s.c!.inputs.map((i) => i.grouping.type),
    ['all', 'none', 'localOrShuffle'],
  );
});

test('config.json problems name config.json and the line', async () => {
  const dir = project('badconf', {
    'config.json': '{\n  "topology_specs": "topologies/",\n  "serializer": "xml"\n}\n',
    'topologies/t.py': '',
  });
  assert.deepEqual(await problems(dir, 'python3'), [
    `${shown(dir)}/config.json:3: serializer must be "json" or "msgpack", got "xml"`,
  ]);
});

describe('which streamparse a component imports', () => {
  const importFrom = (python: string, extraEnv: Record<string, string> = {}) => {
    const env = childEnvironment({ ...process.env, PYTHONPATH: '' }, [extraEnv], PYTHON_LIBRARY_DIR);
    const r = spawnSync(
      python,
      [
        '-c',
        'import streamparse, pystorm, streamparse.bolt, streamparse.spout, streamparse.run; from streamparse import Spout, Bolt; print(streamparse.__file__); print(pystorm.__file__)',
      ],
      { env, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim().split('\n');
  };

  test("without streamparse installed: Squall's stand-ins answer to streamparse and pystorm", () => {
    for (const f of importFrom('python3')) assert.ok(f.startsWith(path.join(PYTHON_LIBRARY_DIR, 'compat')), f);
  });

  test('with streamparse installed: the real packages win (the stand-ins come after site-packages)', (t) => {
    if (!pythons.real.python) return t.skip(`real streamparse not installable: ${pythons.real.reason}`);
    for (const f of importFrom(pythons.real.python)) assert.match(f, /site-packages/);
  });

  test("streamparse_run resolves to the installed one first, to Squall's otherwise", (t) => {
    const which = (pathPrefix: string[]) => {
      const env = childEnvironment(
        { ...process.env, PATH: [...pathPrefix, process.env.PATH].join(path.delimiter) },
        [],
        PYTHON_LIBRARY_DIR,
      );
      return spawnSync('sh', ['-c', 'command -v streamparse_run'], { env, encoding: 'utf8' }).stdout.trim();
    };
    assert.equal(which([]), path.join(PYTHON_LIBRARY_DIR, 'bin', 'streamparse_run'));
    if (!pythons.real.python) return t.skip(`real streamparse not installable: ${pythons.real.reason}`);
    assert.equal(
      which([path.dirname(pythons.real.python)]),
      path.join(path.dirname(pythons.real.python), 'streamparse_run'),
    );
  });
});

test('requirements: streamparse and pystorm are satisfied by Squall (noted), the rest go to pip; use_virtualenv: false turns it off', async () => {
  const dir = project('reqs', {
    'virtualenvs/r.txt': 'streamparse # always required\npystorm>=3\nsix==1.16.0\n\n-r other.txt\n',
  });
  const reqs = readRequirements(path.join(dir, 'virtualenvs/r.txt'), 'virtualenvs/r.txt');
  assert.deepEqual(
    reqs.provided.map((l) => [l.where, l.name]),
    [
      ['virtualenvs/r.txt:1', 'streamparse'],
      ['virtualenvs/r.txt:2', 'pystorm'],
    ],
  );
  assert.deepEqual(
    reqs.lines.map((l) => [l.where, l.text]),
    [
      ['virtualenvs/r.txt:3', 'six==1.16.0'],
      ['virtualenvs/r.txt:5', '-r other.txt'],
    ],
  );
  assert.equal(readRequirements(path.join(dir, 'virtualenvs/r.txt'), 'virtualenvs/r.txt', true).lines.length, 4);
  // use_virtualenv: false: the requirements (which would need PyPI) are not even read.
  const off = project('novenv', {
    'config.json': '{"topology_specs": "topologies/", "use_virtualenv": false}',
    'virtualenvs/t.txt': 'squall-no-such-package-for-tests\n',
    'src/comps.py': COMPONENTS,
    'topologies/t.py':
      'from streamparse import Topology\nfrom comps import Words\n\nclass T(Topology):\n    w = Words.spec()\n',
  });
  const loaded = await loadStreamparseProject(off);
  assert.equal(loaded.stage, undefined);
  assert.deepEqual(await loaded.localEnvironment!(), {});
});
