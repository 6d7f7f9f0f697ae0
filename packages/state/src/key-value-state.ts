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

/**
 * The key-value state a stateful bolt gets in `initState` (Storm's `KeyValueState`), with the checkpoint life cycle
 * the engine drives: every entry is held in memory (reads never wait on the store); changes since the last checkpoint
 * are written to the store as prepared at PREPARE, made committed at COMMIT, and dropped at ROLLBACK, which also
 * brings the entries back to the last committed ones. Keys and values are stored as JSON (values are encoded at
 * PREPARE, once per changed key): `put` a value again after changing it in place, or the change may not be saved.
 *
 * String keys (the common case: a word count's words) are held as they are and encoded only at PREPARE; other keys are
 * held by their JSON text, in maps of their own (a string key and a key whose JSON is that same text never meet).
 */
export class CheckpointedKeyValueState<K = string, V = unknown> implements KeyValueState<K, V> {
  /** Entries of string keys, by key. */
  private strings = new Map<string, V>();
  /** Entries of other keys, by their JSON text. */
  private others = new Map<string, V>();
  /** Changes since the last prepare: key (as in {@link strings} / {@link others}) to the new value, or {@link DELETED}. */
  private pendingStrings = new Map<string, V | typeof DELETED>();
  private pendingOthers = new Map<string, V | typeof DELETED>();
  /** Changes prepared and not yet committed (by encoded key), kept so a second prepare before a commit includes them. */
  private prepared: Map<string, string | null> | undefined;

  private constructor(private readonly backend: StateBackend) {}

  /** The state of `backend` as last committed, plus its prepared changes if a checkpoint was prepared after that. */
  static async open<K, V>(backend: StateBackend): Promise<CheckpointedKeyValueState<K, V>> {
    const s = new CheckpointedKeyValueState<K, V>(backend);
    await s.reload();
    return s;
  }

  private async reload(): Promise<void> {
    const loaded = await this.backend.load();
    this.strings = new Map();
    this.others = new Map();
    for (const [k, v] of loaded.committed) this.setEncoded(k, JSON.parse(v) as V);
    let prepared: Map<string, string | null> | undefined;
    if (loaded.prepared && (loaded.committedTxid === undefined || loaded.prepared.txid > loaded.committedTxid)) {
      for (const [k, v] of loaded.prepared.changes) {
        if (v === null) this.deleteEncoded(k);
        else this.setEncoded(k, JSON.parse(v) as V);
      }
      prepared = loaded.prepared.changes;
    }
    this.prepared = prepared;
    this.pendingStrings = new Map();
    this.pendingOthers = new Map();
  }

  /** Sets the entry of a key given by its JSON text (as the store holds it). */
  private setEncoded(encoded: string, value: V): void {
    const key: unknown = JSON.parse(encoded);
    if (typeof key === 'string') this.strings.set(key, value);
    else this.others.set(encoded, value);
  }

  private deleteEncoded(encoded: string): void {
    const key: unknown = JSON.parse(encoded);
    if (typeof key === 'string') this.strings.delete(key);
    else this.others.delete(encoded);
  }

  private encodeKey(key: K): string {
    const t = typeof key;
    const text =
      t === 'bigint' || t === 'function' || t === 'symbol' || key === undefined ? undefined : JSON.stringify(key);
    if (text === undefined) throw new TypeError(`state key of type ${t} cannot be stored as JSON`);
    return text;
  }

  put(key: K, value: V): void {
    checkValue(key, value);
    if (typeof key === 'string') {
      this.pendingStrings.set(key, value);
      this.strings.set(key, value);
      return;
    }
    const k = this.encodeKey(key);
    this.pendingOthers.set(k, value);
    this.others.set(k, value);
  }

  get(key: K): V | undefined;
  get(key: K, defaultValue: V): V;
  get(key: K, defaultValue?: V): V | undefined {
    const v = typeof key === 'string' ? this.strings.get(key) : this.others.get(this.encodeKey(key));
    return v === undefined ? defaultValue : v;
  }

  delete(key: K): V | undefined {
    if (typeof key === 'string') {
      const old = this.strings.get(key);
      this.strings.delete(key);
      this.pendingStrings.set(key, DELETED);
      return old;
    }
    const k = this.encodeKey(key);
    const old = this.others.get(k);
    this.others.delete(k);
    this.pendingOthers.set(k, DELETED);
    return old;
  }

  get size(): number {
    return this.strings.size + this.others.size;
  }

  *[Symbol.iterator](): Iterator<[K, V]> {
    for (const [k, v] of this.strings) yield [k as K, v];
    for (const [k, v] of this.others) yield [JSON.parse(k) as K, v];
  }

  /** Changes not yet prepared (for metrics and tests). */
  get pendingChanges(): number {
    return this.pendingStrings.size + this.pendingOthers.size;
  }

  /** PREPARE: stores the changes since the last commit as the prepared changes of `txid`. */
  async prepareCommit(txid: number): Promise<void> {
    // Taken at once: puts made while the store works belong to the next checkpoint.
    const changes = new Map<string, string | null>(this.prepared ?? []);
    for (const [k, v] of this.pendingStrings) changes.set(JSON.stringify(k), v === DELETED ? null : JSON.stringify(v));
    for (const [k, v] of this.pendingOthers) changes.set(k, v === DELETED ? null : JSON.stringify(v));
    this.pendingStrings = new Map();
    this.pendingOthers = new Map();
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
