import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTapQuery, tapTupleJson } from '../src/routes/tap-routes';

test('a tapped tuple gets its values named by the stream fields, the batch worker, and its message id', () => {
  const t = tapTupleJson(
    {
      timeMs: 1764720000000,
      component: 'split',
      task: 3,
      stream: 'default',
      fields: ['word', 'n'],
      valuesJson: '["the",2,"extra"]',
      messageIdJson: '{"id":7}',
    },
    '127.0.0.1:6700',
  );
  assert.deepEqual(
    { ...t, values: { ...t.values } },
    {
      time: '2025-12-03T00:00:00.000Z',
      timeMs: 1764720000000,
      component: 'split',
      task: 3,
      stream: 'default',
      worker: '127.0.0.1:6700',
      fields: ['word', 'n'],
      values: { word: 'the', n: 2, '#2': 'extra' },
      messageId: { id: 7 },
    },
  );
  const own = tapTupleJson({ worker: '127.0.0.1:6701', valuesJson: '["x"]', fields: ['__proto__'] }, '127.0.0.1:6700');
  assert.equal(own.worker, '127.0.0.1:6701', "the tuple's own worker wins");
  assert.equal(own.messageId, undefined);
  assert.equal(Object.getPrototypeOf(own.values), null, 'a field named __proto__ is a plain key');
  assert.equal(own.values['__proto__'], 'x');
});

test('tap query: defaults, repeated filters, values with "=" in them', () => {
  assert.deepEqual(parseTapQuery({}), { stream: '', samplePct: 100, maxTuplesPerSec: 0, filters: [] });
  assert.deepEqual(
    parseTapQuery({ stream: 'default', sample: '2.5', maxRate: '50', filter: ['word=the', 'expr=a=b', ''] }),
    {
      stream: 'default',
      samplePct: 2.5,
      maxTuplesPerSec: 50,
      filters: [
        { field: 'word', value: 'the' },
        { field: 'expr', value: 'a=b' },
      ],
    },
  );
  assert.throws(() => parseTapQuery({ sample: '-1' }), /'sample' must be a percentage/);
  assert.throws(() => parseTapQuery({ sample: '1e2' }), /'sample' must be a percentage/);
  assert.throws(
    () => parseTapQuery({ maxRate: '-5' }),
    /'maxRate' must be a whole number of tuples per second, got '-5'/,
  );
  assert.throws(() => parseTapQuery({ maxRate: '1.5' }), /'maxRate' must be a whole number/);
});
