import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { CheckpointedKeyValueState, RedisServer, RedisStateProvider } from '../src';
import { uniqueNamespace } from './helpers';

describe('CheckpointedKeyValueState over Redis', { timeout: 60_000 }, () => {
  let server: RedisServer;
  const providers: RedisStateProvider[] = [];
  const provider = (): RedisStateProvider => {
    const p = new RedisStateProvider(server.stateOptions());
    providers.push(p);
    return p;
  };
  /** The state of `ns` as a new worker would open it. */
  const reopen = async <K, V>(ns: string) => CheckpointedKeyValueState.open<K, V>(await provider().open(ns));
  before(async () => {
    server = await RedisServer.start();
  });
  afterEach(async () => {
    await Promise.all(providers.splice(0).map((p) => p.close()));
  });
  after(async () => {
    await server?.shutdown();
  });

  it('put, get, delete and iteration; prepareCommit and commit make them what a new provider sees', async () => {
    const ns = uniqueNamespace('kv');
    const state = await reopen<string | number | { k: string }, unknown>(ns);
    state.put('word', 3);
    state.put(7, { nested: ['a', 'ü', null] });
    state.put({ k: 'object key' }, 'v');
    state.put('gone', true);
    assert.equal(state.delete('gone'), true);
    assert.equal(state.get('word'), 3);
    assert.equal(state.get('missing', 0), 0);
    assert.equal(state.size, 3);
    assert.deepEqual(
      [...state].sort(),
      [
        ['word', 3],
        [7, { nested: ['a', 'ü', null] }],
        [{ k: 'object key' }, 'v'],
      ].sort(),
    );
    await state.prepareCommit(1);
    assert.equal(state.pendingChanges, 0);
    await state.commit(1);

    const again = await reopen<string | number | { k: string }, unknown>(ns);
    assert.equal(again.get('word'), 3);
    assert.deepEqual(again.get(7), { nested: ['a', 'ü', null] });
    assert.equal(again.get({ k: 'object key' }), 'v');
    assert.equal(again.get('gone'), undefined);
    assert.equal(again.size, 3);
    again.delete('word');
    again.put(7, 'seven');
    await again.prepareCommit(2);
    await again.commit(2);
    const third = await reopen<string | number, unknown>(ns);
    assert.deepEqual(
      [...third].sort(),
      [
        [7, 'seven'],
        [{ k: 'object key' }, 'v'],
      ].sort(),
    );
  });

  it('rollback brings back the committed view, in this process and in the store', async () => {
    const ns = uniqueNamespace('kv-rollback');
    const state = await reopen<string, number>(ns);
    state.put('a', 1);
    state.put('b', 2);
    await state.prepareCommit(1);
    await state.commit(1);
    state.put('a', 100);
    state.delete('b');
    state.put('c', 3);
    await state.prepareCommit(2);
    state.put('d', 4);
    await state.rollback();
    assert.deepEqual([...state].sort(), [
      ['a', 1],
      ['b', 2],
    ]);
    assert.equal(state.pendingChanges, 0);
    const other = await reopen<string, number>(ns);
    assert.deepEqual([...other].sort(), [
      ['a', 1],
      ['b', 2],
    ]);
  });

  it('a crash between prepare and commit: a new provider sees the prepared changes pending, and commit(txid) makes them committed', async () => {
    const ns = uniqueNamespace('kv-crash');
    const first = provider();
    const state = await CheckpointedKeyValueState.open<string, string>(await first.open(ns));
    state.put('kept', 'committed');
    state.put('doomed', 'committed');
    await state.prepareCommit(10);
    await state.commit(10);
    state.put('kept', 'prepared');
    state.delete('doomed');
    state.put('new', 'prepared');
    await state.prepareCommit(11);
    await first.close(); // the worker dies before COMMIT

    const secondProvider = provider();
    const backend = await secondProvider.open(ns);
    const loaded = await backend.load();
    assert.equal(loaded.committedTxid, 10);
    assert.equal(loaded.prepared?.txid, 11);
    assert.deepEqual(
      [...(loaded.prepared?.changes ?? [])].sort(),
      [
        ['"doomed"', null],
        ['"kept"', '"prepared"'],
        ['"new"', '"prepared"'],
      ].sort(),
    );
    const recovered = await CheckpointedKeyValueState.open<string, string>(backend);
    // The recovered view holds the prepared changes (Storm's pending commit), to be committed or rolled back.
    assert.deepEqual([...recovered].sort(), [
      ['kept', 'prepared'],
      ['new', 'prepared'],
    ]);
    await recovered.commit(11);
    const committed = await (await provider().open(ns)).load();
    assert.equal(committed.committedTxid, 11);
    assert.equal(committed.prepared, undefined);
    assert.deepEqual([...committed.committed].sort(), [
      ['"kept"', '"prepared"'],
      ['"new"', '"prepared"'],
    ]);
  });

  it("a second prepareCommit before commit keeps the first one's changes (they are one checkpoint to the store)", async () => {
    const ns = uniqueNamespace('kv-reprepare');
    const state = await reopen<string, number>(ns);
    state.put('a', 1);
    await state.prepareCommit(1);
    state.put('b', 2);
    await state.prepareCommit(2);
    await state.commit(2);
    const other = await reopen<string, number>(ns);
    assert.deepEqual([...other].sort(), [
      ['a', 1],
      ['b', 2],
    ]);
  });
});
