/**
 * What a state store keeps for one namespace (one task of one stateful component): committed entries, and the
 * changes of at most one checkpoint prepared but not yet committed. Keys and values are opaque strings here (the
 * key-value state encodes them); a change whose value is `null` deletes its key.
 */
export interface StateBackend {
  /** The committed entries, the txid they were committed at, and the prepared changes of a later txid, if any. */
  load(): Promise<LoadedState>;
  /** Durably records `changes` as the prepared changes of checkpoint `txid`, replacing any earlier prepared ones. */
  prepare(txid: number, changes: ReadonlyMap<string, string | null>): Promise<void>;
  /**
   * Applies the prepared changes of `txid` to the committed entries and records `txid` as committed, as one atomic
   * step. Idempotent: a `txid` at or below the committed one changes nothing.
   */
  commit(txid: number): Promise<void>;
  /** Drops the prepared changes; the committed entries stay. */
  rollback(): Promise<void>;
}

/** What {@link StateBackend.load} returns. */
export interface LoadedState {
  committed: Map<string, string>;
  /** The txid of the last commit; undefined when nothing was ever committed. */
  committedTxid: number | undefined;
  /** Changes prepared for a txid above `committedTxid` and not yet committed (Storm's pending commit). */
  prepared: { txid: number; changes: Map<string, string | null> } | undefined;
}

/** Opens the backends of one worker's (or local cluster's) stateful tasks; one connection shared by all of them. */
export interface StateProvider {
  /** Provider name as configured (`memory`, `redis`). */
  readonly name: string;
  /** The backend of `namespace` (e.g. `wordcount/count-3`). */
  open(namespace: string): Promise<StateBackend>;
  /** Closes connections; backends opened from it must not be used afterwards. */
  close(): Promise<void>;
}
