// The behaviour every state store must have, written once and run for each store (memory-backend.test.ts,
// redis-backend.test.ts): the in-memory store is the reference semantics.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { LoadedState, StateBackend, StateProvider } from '../src';
import { uniqueNamespace } from './helpers';

/** Awkward keys and values: unicode, quotes, escapes, empty, and strings that look like a tombstone or like null. */
export const AWKWARD: ReadonlyArray<[string, string]> = [
  ['"héllo wörld ✓ 😀 漢字"', '"値 ✓ 😀"'],
  ['"with \\"quotes\\" and \\\\ backslash"', '{"a":"it\'s \\"quoted\\"","b":[1,2,{"c":null}]}'],
  ['""', '""'],
  ['"null"', 'null'],
  ['null', '"null"'],
  ['"\\u0000tombstone"', '"\\u0000"'],
  ['"ÿ"', '"ÿ"'],
  ['ÿ', 'ÿ'],
  ['\uFFFD', '\uFFFD'],
  ['"$prepare"', '"$txid"'],
  ['__proto__', '"__proto__"'],
  ['constructor', ''],
  ['line\nbreak\r\n', 'tab\there\u0000nul'],
  ['"\\u00ff"', '"\\uffff"'],
];

function sorted<V>(m: Map<string, V>): [string, V][] {
  return [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function assertState(
  actual: LoadedState,
  expected: {
    committed: Record<string, string>;
    committedTxid: number | undefined;
    prepared?: { txid: number; changes: [string, string | null][] };
  },
): void {
  assert.deepEqual(sorted(actual.committed), sorted(new Map(Object.entries(expected.committed))));
  assert.equal(actual.committedTxid, expected.committedTxid);
  if (expected.prepared === undefined) assert.equal(actual.prepared, undefined);
  else {
    assert.ok(actual.prepared, 'expected prepared changes');
    assert.equal(actual.prepared.txid, expected.prepared.txid);
    assert.deepEqual(sorted(actual.prepared.changes), sorted(new Map(expected.prepared.changes)));
  }
}

/**
 * Registers the contract tests for a store. `newProvider` is called inside the tests (after the caller's `before`
 * hooks), once per simulated process: a test that reopens a namespace does it on a new provider.
 */
export function backendContract(storeName: string, newProvider: () => StateProvider): void {
  describe(`state store contract: ${storeName}`, () => {
    const providers: StateProvider[] = [];
    const provider = (): StateProvider => {
      const p = newProvider();
      providers.push(p);
      return p;
    };
    const fresh = async (namespace: string): Promise<StateBackend> => provider().open(namespace);
    afterEach(async () => {
      await Promise.all(providers.splice(0).map((p) => p.close()));
    });

    it('loads an empty namespace as nothing committed and nothing prepared', async () => {
      assertState(await (await fresh(uniqueNamespace('empty'))).load(), { committed: {}, committedTxid: undefined });
    });

    it('prepare then commit is what a fresh open loads', async () => {
      const ns = uniqueNamespace('commit');
      const b = await fresh(ns);
      await b.prepare(
        1,
        new Map([
          ['"a"', '1'],
          ['"b"', '{"x":2}'],
        ]),
      );
      await b.commit(1);
      assertState(await (await fresh(ns)).load(), { committed: { '"a"': '1', '"b"': '{"x":2}' }, committedTxid: 1 });
      await b.prepare(
        2,
        new Map([
          ['"a"', '10'],
          ['"c"', '3'],
        ]),
      );
      await b.commit(2);
      assertState(await (await fresh(ns)).load(), {
        committed: { '"a"': '10', '"b"': '{"x":2}', '"c"': '3' },
        committedTxid: 2,
      });
    });

    it('a second prepare before a commit replaces the first', async () => {
      const ns = uniqueNamespace('reprepare');
      const b = await fresh(ns);
      await b.prepare(
        1,
        new Map([
          ['"a"', '1'],
          ['"b"', '2'],
        ]),
      );
      await b.prepare(2, new Map([['"c"', '3']]));
      assertState(await (await fresh(ns)).load(), {
        committed: {},
        committedTxid: undefined,
        prepared: { txid: 2, changes: [['"c"', '3']] },
      });
      await b.commit(2);
      assertState(await (await fresh(ns)).load(), { committed: { '"c"': '3' }, committedTxid: 2 });
    });

    it('prepare then rollback leaves the committed entries untouched', async () => {
      const ns = uniqueNamespace('rollback');
      const b = await fresh(ns);
      await b.prepare(1, new Map([['"a"', '1']]));
      await b.commit(1);
      await b.prepare(
        2,
        new Map([
          ['"a"', '2'],
          ['"b"', '2'],
        ]),
      );
      await b.prepare(
        2,
        new Map([
          ['"a"', null],
          ['"b"', '2'],
        ]),
      );
      await b.rollback();
      assertState(await (await fresh(ns)).load(), { committed: { '"a"': '1' }, committedTxid: 1 });
      // The rolled-back changes are gone for good: committing their txid now applies nothing.
      await b.commit(2);
      assertState(await (await fresh(ns)).load(), { committed: { '"a"': '1' }, committedTxid: 2 });
    });

    it('load returns a prepared, uncommitted txid with its changes, and not once the commit txid reaches it', async () => {
      const ns = uniqueNamespace('pending');
      const b = await fresh(ns);
      await b.prepare(
        1,
        new Map([
          ['"a"', '1'],
          ['"gone"', null],
        ]),
      );
      // As after a crash between prepare and commit: another process opens the namespace.
      assertState(await (await fresh(ns)).load(), {
        committed: {},
        committedTxid: undefined,
        prepared: {
          txid: 1,
          changes: [
            ['"a"', '1'],
            ['"gone"', null],
          ],
        },
      });
      await b.commit(1);
      assertState(await (await fresh(ns)).load(), { committed: { '"a"': '1' }, committedTxid: 1 });
      // A prepare at or below the committed txid is stale: load does not offer it.
      await b.prepare(1, new Map([['"a"', '99']]));
      assertState(await (await fresh(ns)).load(), { committed: { '"a"': '1' }, committedTxid: 1 });
      await b.prepare(5, new Map([['"a"', '5']]));
      await b.commit(7);
      await b.prepare(6, new Map([['"a"', '6']]));
      assertState(await (await fresh(ns)).load(), { committed: { '"a"': '1' }, committedTxid: 7 });
    });

    it('commit is idempotent: the same or a lower txid again changes nothing, not even pending changes', async () => {
      const ns = uniqueNamespace('idempotent');
      const b = await fresh(ns);
      await b.prepare(3, new Map([['"a"', '1']]));
      await b.commit(3);
      await b.commit(3);
      await b.prepare(
        4,
        new Map([
          ['"a"', '2'],
          ['"b"', '2'],
        ]),
      );
      await b.commit(3);
      await b.commit(2);
      await (await fresh(ns)).commit(3);
      const pending = {
        txid: 4,
        changes: [
          ['"a"', '2'],
          ['"b"', '2'],
        ] as [string, string | null][],
      };
      assertState(await (await fresh(ns)).load(), { committed: { '"a"': '1' }, committedTxid: 3, prepared: pending });
      await b.commit(4);
      await b.commit(4);
      assertState(await (await fresh(ns)).load(), { committed: { '"a"': '2', '"b"': '2' }, committedTxid: 4 });
    });

    it('a null change deletes its key at commit (a tombstone while prepared)', async () => {
      const ns = uniqueNamespace('delete');
      const b = await fresh(ns);
      await b.prepare(
        1,
        new Map([
          ['"a"', '1'],
          ['"b"', '2'],
          ['"c"', '3'],
        ]),
      );
      await b.commit(1);
      await b.prepare(
        2,
        new Map([
          ['"a"', null],
          ['"c"', '33'],
          ['"never"', null],
        ]),
      );
      assertState(await (await fresh(ns)).load(), {
        committed: { '"a"': '1', '"b"': '2', '"c"': '3' },
        committedTxid: 1,
        prepared: {
          txid: 2,
          changes: [
            ['"a"', null],
            ['"c"', '33'],
            ['"never"', null],
          ],
        },
      });
      await b.commit(2);
      assertState(await (await fresh(ns)).load(), { committed: { '"b"': '2', '"c"': '33' }, committedTxid: 2 });
      await b.prepare(
        3,
        new Map([
          ['"b"', null],
          ['"c"', null],
        ]),
      );
      await b.commit(3);
      assertState(await (await fresh(ns)).load(), { committed: {}, committedTxid: 3 });
    });

    it('namespaces are isolated, including names that extend each other', async () => {
      const base = uniqueNamespace('iso');
      const names = [base, `${base}/1`, `${base}1`, `${base}$`, `${base}$prepare/x`];
      for (const [i, ns] of names.entries()) {
        const b = await fresh(ns);
        await b.prepare(i + 1, new Map([['"who"', JSON.stringify(ns)]]));
        if (i % 2 === 0) await b.commit(i + 1);
      }
      for (const [i, ns] of names.entries()) {
        const loaded = await (await fresh(ns)).load();
        if (i % 2 === 0) assertState(loaded, { committed: { '"who"': JSON.stringify(ns) }, committedTxid: i + 1 });
        else
          assertState(loaded, {
            committed: {},
            committedTxid: undefined,
            prepared: { txid: i + 1, changes: [['"who"', JSON.stringify(ns)]] },
          });
      }
      await (await fresh(base)).rollback();
      assertState(await (await fresh(`${base}/1`)).load(), {
        committed: {},
        committedTxid: undefined,
        prepared: { txid: 2, changes: [['"who"', JSON.stringify(`${base}/1`)]] },
      });
    });

    it('keys and values with unicode, quotes, NULs and tombstone-looking text round-trip, prepared and committed', async () => {
      const ns = uniqueNamespace('awkward');
      const b = await fresh(ns);
      await b.prepare(1, new Map(AWKWARD));
      assertState(await (await fresh(ns)).load(), {
        committed: {},
        committedTxid: undefined,
        prepared: { txid: 1, changes: [...AWKWARD] },
      });
      await b.commit(1);
      assertState(await (await fresh(ns)).load(), { committed: Object.fromEntries(AWKWARD), committedTxid: 1 });
    });

    it('large txids (Storm counts from 0 up; any safe integer) compare as numbers, not text', async () => {
      const ns = uniqueNamespace('txids');
      const b = await fresh(ns);
      await b.prepare(9, new Map([['"a"', '9']]));
      await b.commit(9);
      await b.prepare(10, new Map([['"a"', '10']]));
      assertState(await (await fresh(ns)).load(), {
        committed: { '"a"': '9' },
        committedTxid: 9,
        prepared: { txid: 10, changes: [['"a"', '10']] },
      });
      await b.commit(10);
      const big = Number.MAX_SAFE_INTEGER - 1;
      await b.prepare(big, new Map([['"a"', 'big']]));
      await b.commit(big);
      await b.commit(100);
      assertState(await (await fresh(ns)).load(), { committed: { '"a"': 'big' }, committedTxid: big });
    });

    it('concurrent commits of one txid from two processes end as one commit, and no reader sees half of it', async () => {
      const ns = uniqueNamespace('concurrent');
      const setup = await fresh(ns);
      const before = new Map<string, string>();
      for (let i = 0; i < 3000; i++) before.set(JSON.stringify(`k${i}`), String(i));
      await setup.prepare(4, before);
      await setup.commit(4);
      // Txid 5 rewrites every even key, deletes every key divisible by 3, and adds new ones.
      const changes = new Map<string, string | null>();
      for (let i = 0; i < 3000; i += 2) changes.set(JSON.stringify(`k${i}`), `${i}-5`);
      for (let i = 0; i < 3000; i += 3) changes.set(JSON.stringify(`k${i}`), null);
      for (let i = 3000; i < 4000; i++) changes.set(JSON.stringify(`k${i}`), `${i}-new`);
      await setup.prepare(5, changes);
      const after = new Map(before);
      for (const [k, v] of changes) {
        if (v === null) after.delete(k);
        else after.set(k, v);
      }

      const [one, two, reader] = await Promise.all([fresh(ns), fresh(ns), fresh(ns)]);
      let committing = true;
      const observed: LoadedState[] = [];
      const watch = (async () => {
        while (committing) observed.push(await reader.load());
      })();
      await Promise.all([one.commit(5), two.commit(5), one.commit(5)]);
      committing = false;
      await watch;
      observed.push(await reader.load());
      for (const seen of observed) {
        if (seen.committedTxid === 5) {
          assert.equal(seen.prepared, undefined);
          assert.deepEqual(sorted(seen.committed), sorted(after));
        } else {
          assert.equal(seen.committedTxid, 4);
          assert.deepEqual(sorted(seen.committed), sorted(before));
          assert.equal(seen.prepared?.txid, 5);
          assert.equal(seen.prepared?.changes.size, changes.size);
        }
      }
      assertState(await (await fresh(ns)).load(), { committed: Object.fromEntries(after), committedTxid: 5 });
    });
  });
}
