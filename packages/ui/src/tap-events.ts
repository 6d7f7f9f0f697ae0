// The documents of the UI's tap stream (routes/tap-routes.ts), written once for the server and the web app (which
// imports them as types, erased from its bundle). Plain types: this file must not import anything the browser lacks.

/** `event: tuple` (a batch of these): a tapped tuple with its values named by the stream's fields. */
export interface TapTuple {
  time: string;
  timeMs: number;
  component: string;
  task: number;
  stream: string;
  /** "host:port" of the emitting worker. */
  worker: string;
  fields: string[];
  /** Field name → value (`#i` for a value beyond the declared fields). */
  values: Record<string, unknown>;
  /** The spout message id of a tracked spout emit. */
  messageId?: unknown;
}

/** `event: status`, sent when something in it changes. */
export interface TapStatus {
  /** Tuples dropped for a full buffer: in the workers and nimbus, plus `droppedByUi`. */
  dropped: number;
  /** Tuples this UI dropped because the browser read too slowly. */
  droppedByUi: number;
  /** Tuples the workers skipped over the tap's rate cap (topology.tap.max.tuples.per.sec). */
  rateCapped: number;
  /** The tap's cap per worker, tuples/s (0: none). */
  maxTuplesPerSec: number;
  /** Workers the tap reaches. */
  workers: readonly string[];
  notices: readonly string[];
}
