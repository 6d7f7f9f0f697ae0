import type { LoadedState, StateBackend, StateProvider } from './backend';

interface Stored {
  committed: Map<string, string>;
  committedTxid: number | undefined;
  prepared: { txid: number; changes: Map<string, string | null> } | undefined;
}

/**
 * Every namespace's state in this process (Storm's `InMemoryKeyValueStateProvider`): it survives a task's restart
 * within the process and is lost with it, so in a cluster a worker that dies loses its tasks' state.
 */
const stores = new Map<string, Stored>();

class MemoryBackend implements StateBackend {
  constructor(private readonly stored: Stored) {}

  async load(): Promise<LoadedState> {
    const s = this.stored;
    return {
      committed: new Map(s.committed),
      committedTxid: s.committedTxid,
      // As every store: prepared changes count only when prepared after the last commit.
      prepared:
        s.prepared && (s.committedTxid === undefined || s.prepared.txid > s.committedTxid)
          ? { txid: s.prepared.txid, changes: new Map(s.prepared.changes) }
          : undefined,
    };
  }

  async prepare(txid: number, changes: ReadonlyMap<string, string | null>): Promise<void> {
    this.stored.prepared = { txid, changes: new Map(changes) };
  }

  async commit(txid: number): Promise<void> {
    const s = this.stored;
    if (s.committedTxid !== undefined && txid <= s.committedTxid) return;
    if (s.prepared && s.prepared.txid === txid) {
      for (const [k, v] of s.prepared.changes) {
        if (v === null) s.committed.delete(k);
        else s.committed.set(k, v);
      }
    }
    s.prepared = undefined;
    s.committedTxid = txid;
  }

  async rollback(): Promise<void> {
    this.stored.prepared = undefined;
  }
}

/** The in-memory provider: state kept in this process only. */
export class MemoryStateProvider implements StateProvider {
  readonly name = 'memory';

  async open(namespace: string): Promise<StateBackend> {
    let s = stores.get(namespace);
    if (!s) {
      s = { committed: new Map(), committedTxid: undefined, prepared: undefined };
      stores.set(namespace, s);
    }
    return new MemoryBackend(s);
  }

  async close(): Promise<void> {}

  /** Forgets every namespace starting with `prefix` (a killed local topology's state). */
  static forget(prefix: string): void {
    for (const k of [...stores.keys()]) if (k.startsWith(prefix)) stores.delete(k);
  }
}
