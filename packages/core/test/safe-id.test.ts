import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSafeId, isSafeId, MAX_ID_CHARS, UnsafeIdError } from '../src';

test('isSafeId: ids that are file names as they are, nothing that walks a path', () => {
  for (const ok of ['wordcount-1-1796241490', 'supervisor-ab12cd34', 'a.b_c-D', 'x'.repeat(MAX_ID_CHARS), 'v1.2'])
    assert.equal(isSafeId(ok), true, ok);
  for (const bad of [
    '',
    '.',
    '.hidden',
    '..',
    '../x',
    'a..b',
    'a/b',
    'a\\b',
    '/abs',
    'x'.repeat(MAX_ID_CHARS + 1),
    'sp ace',
    'nul\0',
    'é',
    undefined,
    null,
    3,
    {},
  ])
    assert.equal(isSafeId(bad), false, JSON.stringify(bad));
});

test('assertSafeId names the kind, the id and where it came from', () => {
  assert.equal(assertSafeId('topology id', 'ok-1-1', 'ZooKeeper'), 'ok-1-1');
  assert.throws(
    () => assertSafeId('topology id', '../etc', 'an assignment in ZooKeeper'),
    (e: Error) =>
      e instanceof UnsafeIdError && /refused topology id "\.\.\/etc" from an assignment in ZooKeeper/.test(e.message),
  );
});
