import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CheckpointedKeyValueState, MemoryStateProvider } from '../src';

test('CheckpointedKeyValueState keeps string keys apart from other keys whose JSON is the same text', async () => {
  const provider = new MemoryStateProvider();
  const backend = await provider.open('kv-mixed');
  const s = await CheckpointedKeyValueState.open<unknown, string>(backend);
  s.put('1', 'the string 1');
  s.put(1, 'the number 1');
  s.put('["a"]', 'a string that looks like an array');
  s.put(['a'], 'the array');
  s.put({ b: 2 }, 'an object');
  s.put('gone', 'deleted before the checkpoint');
  assert.equal(s.delete('gone'), 'deleted before the checkpoint');
  assert.equal(s.get('1'), 'the string 1');
  assert.equal(s.get(1), 'the number 1');
  assert.equal(s.get(['a']), 'the array');
  assert.equal(s.get('["a"]'), 'a string that looks like an array');
  assert.equal(s.get({ b: 2 }), 'an object');
  assert.equal(s.get(2, 'default'), 'default');
  assert.equal(s.size, 5);
  assert.equal(s.pendingChanges, 6);
  await s.prepareCommit(1);
  assert.equal(s.pendingChanges, 0);
  await s.commit(1);
  // A change after the commit that is never committed is gone after a rollback; the committed ones come back.
  s.put(1, 'changed');
  s.delete('1');
  await s.rollback();
  const entries = new Map([...s].map(([k, v]) => [JSON.stringify(k), v]));
  assert.deepEqual(
    entries,
    new Map([
      ['"1"', 'the string 1'],
      ['1', 'the number 1'],
      ['"[\\"a\\"]"', 'a string that looks like an array'],
      ['["a"]', 'the array'],
      ['{"b":2}', 'an object'],
    ]),
  );
  // Reopened from the store, the keys keep their types.
  const again = await CheckpointedKeyValueState.open<unknown, string>(await provider.open('kv-mixed'));
  assert.equal(again.get('1'), 'the string 1');
  assert.equal(again.get(1), 'the number 1');
  assert.equal(again.get(['a']), 'the array');
  assert.equal(again.get('gone'), undefined);
  assert.equal(again.size, 5);
  // A delete of a string key reaches the store at the next checkpoint.
  again.delete('1');
  await again.prepareCommit(2);
  await again.commit(2);
  const third = await CheckpointedKeyValueState.open<unknown, string>(await provider.open('kv-mixed'));
  assert.equal(third.get('1'), undefined);
  assert.equal(third.get(1), 'the number 1');
  assert.throws(() => third.put(Symbol('x'), 'v'), /state key of type symbol cannot be stored as JSON/);
});
