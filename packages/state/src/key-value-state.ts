import type { KeyValueState } from '@squall/api';
import type { StateBackend } from './backend';

/** A value's stored form: JSON, checked here so a value that cannot be stored fails at `put`, naming its key. */
function encodeValue(key: unknown, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new TypeError(`state value of key ${JSON.stringify(key)} cannot be stored as JSON: ${(err as Error).message}`);
  }
  if (text === undefined) throw new TypeError(`state value of key ${JSON.stringify(key)} cannot be stored as JSON (got ${typeof value})`);
  return text;
}

function encodeKey(key: unknown): string {
  const text = typeof key === 'bigint' || typeof key === 'function' || typeof key === 'symbol' ? undefined : JSON.stringify(key);
  if (text === undefined) throw new TypeError(`state key of type ${typeof key} cannot be stored as JSON`);
  return text;
}

/**
 * The key-value state a stateful bolt gets in `initState` (Storm's `KeyValueState`), with the checkpoint life cycle
 * the engine drives: every entry is held in memory (reads never wait on the store); changes since the last checkpoint
 * are written to the store as prepared at PREPARE, made committed at COMMIT, and dropped at ROLLBACK, which also
 * brings the entries back to the last committed ones. Keys and values are stored as JSON: `put` a value again after
 * changing it in place, or the change is not saved.
 */
export class CheckpointedKeyValueState<K = string, V = unknown> implements KeyValueState<K, V> {
  private view = new Map<string, V>();
  /** Changes since the last prepare: encoded key to encoded value, `null` for a delete. */
  private pending = new Map<string, string | null>();
  /** Changes prepared and not yet committed, kept so a second prepare before a commit still includes them. */
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
    const view = new Map<string, V>();
    for (const [k, v] of loaded.committed) view.set(k, JSON.parse(v) as V);
    this.prepared = undefined;
    if (loaded.prepared && (loaded.committedTxid === undefined || loaded.prepared.txid > loaded.committedTxid)) {
      for (const [k, v] of loaded.prepared.changes) {
        if (v === null) view.delete(k);
        else view.set(k, JSON.parse(v) as V);
      }
      this.prepared = loaded.prepared.changes;
    }
    this.view = view;
    this.pending = new Map();
  }

  put(key: K, value: V): void {
    const k = encodeKey(key);
    this.pending.set(k, encodeValue(key, value));
    this.view.set(k, value);
  }

  get(key: K): V | undefined;
  get(key: K, defaultValue: V): V;
  get(key: K, defaultValue?: V): V | undefined {
    const v = this.view.get(encodeKey(key));
    return v === undefined ? defaultValue : v;
  }

  delete(key: K): V | undefined {
    const k = encodeKey(key);
    const old = this.view.get(k);
    this.view.delete(k);
    this.pending.set(k, null);
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
    const changes = this.prepared ? new Map([...this.prepared, ...this.pending]) : this.pending;
    await this.backend.prepare(txid, changes);
    this.prepared = changes;
    this.pending = new Map();
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
