import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { encode } from '@msgpack/msgpack';
import { TopologyBuilder } from '@squall/api';
import {
  handshakeGrouping,
  JsonCodec,
  MsgpackCodec,
  ProtocolViolationError,
  pythonFieldNameProblem,
  ShellBolt,
  multilangProblems,
  setShellBolt,
  ShellOptionsError,
  ShellSpout,
  validateMultilangTopology,
} from '../src';
import { childEnvironment } from '../src/child-env';
import { stringifyJson, topLevelMemberText } from '../src/wire/raw-json';
import { msgpackObjectEnd } from '../src/wire/msgpack-scan';

test('JSON framing: messages split anywhere, CRLF tolerated, lone end lines skipped, raw emit ids kept', () => {
  const codec = new JsonCodec();
  const text =
    'end\n{"command":"log","msg":"a\\nb"}\nend\n{"command":"emit","tuple":[1],"id":12345678901234567890}\r\nend\r\n[1,\n2]\nend\n';
  const out = [];
  for (let i = 0; i < text.length; i += 7) out.push(...codec.feed(Buffer.from(text.slice(i, i + 7))));
  assert.deepEqual(
    out.map((m) => m.body),
    [{ command: 'log', msg: 'a\nb' }, { command: 'emit', tuple: [1], id: 12345678901234567890 }, [1, 2]],
  );
  assert.equal(out[1]!.rawId, '12345678901234567890');
  // A multi-byte character cut between chunks.
  const euro = Buffer.from('{"command":"log","msg":"€"}\nend\n');
  assert.deepEqual(
    [...codec.feed(euro.subarray(0, 25)), ...codec.feed(euro.subarray(25))].map((m) => m.body),
    [{ command: 'log', msg: '€' }],
  );
  assert.throws(() => new JsonCodec().feed(Buffer.from('not json\nend\n')), ProtocolViolationError);
});

test('JSON acks: the compact form and every other spelling decode alike', () => {
  const decode = (text: string) => new JsonCodec().feed(Buffer.from(text)).map((m) => m.body);
  assert.deepEqual(decode('{"command":"ack","id":"17"}\nend\n'), [{ command: 'ack', id: '17' }]);
  assert.deepEqual(decode('{"command":"ack","id":"17"}\r\nend\r\n'), [{ command: 'ack', id: '17' }]);
  assert.deepEqual(decode('{"command":"ack","id":"a\\"b\\\\c"}\nend\n'), [{ command: 'ack', id: 'a"b\\c' }]);
  assert.deepEqual(decode('{"command":"ack","id":"17","x":1}\nend\n'), [{ command: 'ack', id: '17', x: 1 }]);
  assert.deepEqual(decode('{"command":"ack","id":"1"}\nend\n{"command":"ack","id":"2"}\nend\n'), [
    { command: 'ack', id: '1' },
    { command: 'ack', id: '2' },
  ]);
  assert.deepEqual(
    decode('\uFEFF \nend\n{"command":"ack","id":"3"}\nend\n'),
    [{ command: 'ack', id: '3' }],
    'blank messages are skipped',
  );
});

test('JSON encoding never writes \\r, echoes ids byte for byte and writes bigints exactly', () => {
  const codec = new JsonCodec();
  assert.equal(
    codec.encodeSpoutCommand('ack', { json: '9007199254740993', value: 9007199254740992 }),
    '{"command":"ack","id":9007199254740993}\nend\n',
  );
  assert.equal(codec.encodeTaskIds([3, 4]), '[3,4]\nend\n');
  const tuple = codec.encodeTuple('7', 'src', 'default', 3, ['a\r\nb', 18446744073709551615n, -5n]);
  assert.equal(
    tuple,
    '{"id":"7","comp":"src","stream":"default","task":3,"tuple":["a\\r\\nb",18446744073709551615,-5]}\nend\n',
  );
  assert.ok(!tuple.includes('\r'));
  assert.equal(
    codec.encodeTuple('1', null, '__heartbeat', -1, []),
    '{"id":"1","comp":null,"stream":"__heartbeat","task":-1,"tuple":[]}\nend\n',
  );
  assert.equal(stringifyJson({ a: [1n, '\u0000bigint'] }), '{"a":[1,"\\u0000bigint"]}');
});

test('raw member text: nested values, strings with braces and escapes, repeated keys', () => {
  assert.equal(topLevelMemberText('{"tuple":["}\\"",{"id":1}],"id" : 1.50 }', 'id'), '1.50');
  assert.equal(topLevelMemberText('{"id":{"k":[1,"]"]},"x":2}', 'id'), '{"k":[1,"]"]}');
  assert.equal(topLevelMemberText('{"id":1,"id":"two"}', 'id'), '"two"');
  assert.equal(topLevelMemberText('{"a":1}', 'id'), undefined);
});

test('msgpack: object boundaries found across chunks; 64-bit ids stay bigints, tuple values become numbers when they fit', () => {
  const msgs = [
    { command: 'emit', tuple: [2n ** 40n, 2n ** 63n + 7n, 'x', [1, { a: 2n ** 33n }]], id: 2n ** 64n - 1n },
    { command: 'sync' },
    { command: 'log', msg: 'é'.repeat(40), level: 2 },
  ];
  const bytes = Buffer.concat(msgs.map((m) => Buffer.from(encode(m, { useBigInt64: true }))));
  const codec = new MsgpackCodec();
  const out = [];
  for (let i = 0; i < bytes.length; i += 5) out.push(...codec.feed(bytes.subarray(i, i + 5)));
  assert.equal(out.length, 3);
  const emit = out[0]!.body as { tuple: unknown[]; id: unknown };
  assert.deepEqual(emit.tuple, [2 ** 40, 2n ** 63n + 7n, 'x', [1, { a: 2 ** 33 }]]);
  assert.equal(emit.id, 2n ** 64n - 1n);
  assert.equal(msgpackObjectEnd(bytes, 0) > 0, true);
  assert.equal(msgpackObjectEnd(bytes.subarray(0, 3), 0), -1);
  assert.throws(() => new MsgpackCodec().feed(Buffer.from([0xc1])), ProtocolViolationError);
  // Numbers above 32 bits are written as integers, never floats; echoed ids keep their exact 64-bit value.
  const round = new MsgpackCodec();
  const written = round.encodeTuple('1', 's', 'default', 2, [2 ** 40, -(2 ** 40), 1.5]);
  assert.deepEqual(round.feed(Buffer.from(round.encodeSpoutCommand('ack', { value: 2n ** 64n - 1n })))[0]!.body, {
    command: 'ack',
    id: 2n ** 64n - 1n,
  });
  assert.ok(Buffer.from(written).includes(0xcf) && Buffer.from(written).includes(0xd3));
});

test('handshake groupings use Storm names: global is FIELDS with no fields, partial key and custom are custom-serialized', () => {
  assert.deepEqual(handshakeGrouping({ type: 'fields', fields: ['word'] }), { type: 'FIELDS', fields: ['word'] });
  assert.deepEqual(handshakeGrouping({ type: 'global' }), { type: 'FIELDS', fields: [] });
  assert.deepEqual(handshakeGrouping({ type: 'localOrShuffle' }), { type: 'LOCAL_OR_SHUFFLE' });
  assert.deepEqual(handshakeGrouping({ type: 'partialKey', fields: ['a'] }), { type: 'CUSTOM_SERIALIZED' });
  assert.deepEqual(handshakeGrouping({ type: 'direct' }), { type: 'DIRECT' });
});

test('child environment: PATH appended, not replaced; PYTHONPATH entries in front of the inherited ones; the Python library (and its bin/) last', () => {
  const env = childEnvironment(
    { PATH: '/usr/bin', HOME: '/h', PYTHONPATH: '/inherited' },
    [
      { PATH: '/opt/a', X: 1 },
      { PATH: '/opt/b', PYTHONPATH: '/mine' },
    ],
    '/lib/python',
  );
  assert.equal(env.PATH, ['/usr/bin', '/opt/a', '/opt/b', '/lib/python/bin'].join(path.delimiter));
  assert.equal(env.PYTHONPATH, ['/mine', '/inherited', '/lib/python'].join(path.delimiter));
  assert.equal(env.X, '1');
  assert.equal(env.HOME, '/h');
});

test('Python field names: identifiers only, no keywords, no leading underscore', () => {
  for (const ok of ['word', 'count2', 'naïve', 'match', 'Word_Count'])
    assert.equal(pythonFieldNameProblem(ok), undefined, ok);
  assert.match(pythonFieldNameProblem('class')!, /keyword/);
  assert.match(pythonFieldNameProblem('_x')!, /starts with '_'/);
  assert.match(pythonFieldNameProblem('my-field')!, /not a valid Python identifier/);
  assert.match(pythonFieldNameProblem('2x')!, /not a valid Python identifier/);
});

test('the builder reports bad field names of shell components with the other validation problems', () => {
  const b = new TopologyBuilder();
  b.setSpout('src', () => new ShellSpout({ command: ['python3', 'x.py'], outputs: ['class'] }));
  setShellBolt(b, 'py', { command: ['python3', 'y.py'], outputs: [{ stream: 'out', fields: ['ok'] }] }).shuffleGrouping(
    'src',
  );
  const t = b.createTopology('names');
  assert.ok(
    t.buildProblems.some((p) => /component 'src': stream 'default': field 'class' is a Python keyword/.test(p)),
    t.buildProblems.join('\n'),
  );
  assert.deepEqual(
    multilangProblems(t).map((p) => p.replace(/ \(.*/, '')),
    ["component 'py': input from 'src' stream 'default': field 'class' is a Python keyword"],
  );
  assert.throws(() => validateMultilangTopology(t), /2 problem\(s\)/);
  assert.throws(() => new ShellBolt({ command: [] }), ShellOptionsError);
  assert.throws(() => new ShellBolt({ command: ['x'], serializer: 'xml' as 'json' }), ShellOptionsError);
});
