import type { KeyValueState } from '@squall/api';
import type { StateBackend } from './backend';

/** A pending delete (a value of `undefined` cannot be stored, so it cannot be confused with one). */
const DELETED = Symbol('deleted');

/**
 * Checks at `put` that a value can be stored as JSON, so a bad value fails there, naming its key, rather than failing
 * every checkpoint. Primitives are checked by type (cheap); objects are encoded once to check them.
 */
function checkValue(key: unknown, value: unknown): void {
  const t = typeof value;
  if (t === 'string' || t === 'boolean' || value === null) return;
  if (t === 'number') {
    if (!Number.isFinite(value))
      throw new TypeError(`state value of key ${JSON.stringify(key)} is ${String(value)}, which JSON cannot hold`);
    return;
  }
  if (t !== 'object')
    throw new TypeError(`state value of key ${JSON.stringify(key)} cannot be stored as JSON (got ${t})`);
  try {
    JSON.stringify(value);
  } catch (err) {
    throw new TypeError(
      `state value of key ${JSON.stringify(key)} cannot be stored as JSON: ${(err as Error).message}`,
    );
  }
}

/** Encoded forms of recent string keys: a word count looks up the same few keys millions of times. */
const MAX_CACHED_KEYS = 100_000;

/**
 * The key-value state a stateful bolt gets in `initState` (Storm's `KeyValueState`), with the checkpoint life cycle
 * the engine drives: every entry is held in memory (reads never wait on the store); changes since the last checkpoint
 * are written to the store as prepared at PREPARE, made committed at COMMIT, and dropped at ROLLBACK, which also
 * brings the entries back to the last committed ones. Keys and values are stored as JSON (values are encoded at
 * PREPARE, once per changed key): `put` a value again after changing it in place, or the change may not be saved.
 */
export class CheckpointedKeyValueState<K = string, V = unknown> implements KeyValueState<K, V> {
  private view = new Map<string, V>();
  /** Changes since the last prepare: encoded key to the new value, or {@link DELETED}. */
  private pending = new Map<string, V | typeof DELETED>();
  /** Changes prepared and not yet committed, kept so a second prepare before a commit still includes them. */
  private prepared: Map<string, string | null> | undefined;
  private readonly keyCache = new Map<string, string>();

  private constructor(private readonly backend: StateBackend) {}

  /** The state of `backend` as last committed, plus its prepared changes if a checkpoint was prepared after that. */
  static async open<K, V>(backend: StateBackend): Promise<CheckpointedKeyValueState<K, V>> {
    const s = new CheckpointedKeyValueState<K, V>(backend);
    await s.reload();
    return s;
  }

  private async reload(): Promise<void> {
    const loaded = await this.backend.load();
    const view = new Map<string, V>();
    for (const [k, v] of loaded.committed) view.set(k, JSON.parse(v) as V);
    let prepared: Map<string, string | null> | undefined;
    if (loaded.prepared && (loaded.committedTxid === undefined || loaded.prepared.txid > loaded.committedTxid)) {
      for (const [k, v] of loaded.prepared.changes) {
        if (v === null) view.delete(k);
        else view.set(k, JSON.parse(v) as V);
      }
      prepared = loaded.prepared.changes;
    }
    this.view = view;
    this.prepared = prepared;
    this.pending = new Map();
  }

  private encodeKey(key: K): string {
    if (typeof key === 'string') {
      let e = this.keyCache.get(key);
      if (e === undefined) {
        if (this.keyCache.size >= MAX_CACHED_KEYS) this.keyCache.clear();
        e = JSON.stringify(key);
        this.keyCache.set(key, e);
      }
      return e;
    }
    const t = typeof key;
    const text =
      t === 'bigint' || t === 'function' || t === 'symbol' || key === undefined ? undefined : JSON.stringify(key);
    if (text === undefined) throw new TypeError(`state key of type ${t} cannot be stored as JSON`);
    return text;
  }

  put(key: K, value: V): void {
    checkValue(key, value);
    const k = this.encodeKey(key);
    this.pending.set(k, value);
    this.view.set(k, value);
  }

  get(key: K): V | undefined;
  get(key: K, defaultValue: V): V;
  get(key: K, defaultValue?: V): V | undefined {
    const v = this.view.get(this.encodeKey(key));
    return v === undefined ? defaultValue : v;
  }

  delete(key: K): V | undefined {
    const k = this.encodeKey(key);
    const old = this.view.get(k);
    this.view.delete(k);
    this.pending.set(k, DELETED);
    return old;
  }

  get size(): number {
    return this.view.size;
  }

  *[Symbol.iterator](): Iterator<[K, V]> {
    for (const [k, v] of this.view) yield [JSON.parse(k) as K, v];
  }

  /** Changes not yet prepared (for metrics and tests). */
  get pendingChanges(): number {
    return this.pending.size;
  }

  /** PREPARE: stores the changes since the last commit as the prepared changes of `txid`. */
  async prepareCommit(txid: number): Promise<void> {
    // Taken at once: puts made while the store works belong to the next checkpoint.
    const changes = new Map<string, string | null>(this.prepared ?? []);
    for (const [k, v] of this.pending) changes.set(k, v === DELETED ? null : JSON.stringify(v));
    this.pending = new Map();
    this.prepared = changes;
    await this.backend.prepare(txid, changes);
  }

  /** COMMIT: makes the prepared changes of `txid` the committed state (a no-op for a txid already committed). */
  async commit(txid: number): Promise<void> {
    await this.backend.commit(txid);
    this.prepared = undefined;
  }

  /** ROLLBACK: drops prepared and pending changes; the entries are the last committed ones again. */
  async rollback(): Promise<void> {
    await this.backend.rollback();
    await this.reload();
  }
}
