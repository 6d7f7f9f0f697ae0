import type { pb } from './messages';

/** A tapped tuple with its values named: what `squall tap --json` prints and the UI's tap stream sends. */
export interface NamedTappedTuple {
  /** ISO time of the emit, from the emitting worker's clock. */
  time: string;
  timeMs: number;
  component: string;
  task: number;
  stream: string;
  /** "host:port" of the emitting worker. */
  worker: string;
  /** The stream's declared fields, in order. */
  fields: string[];
  /** Field name → value (`#i` for a value beyond the declared fields, `#values` when they are not a list). */
  values: Record<string, unknown>;
  /** The spout message id of a tracked spout emit. */
  messageId?: unknown;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Names a tapped tuple's values by its stream's fields. The values object has no prototype, so a field called
 * `__proto__` is a value like any other. `worker` is used when the tuple does not name its own.
 */
export function namedTappedTuple(t: pb.ITappedTuple, worker = ''): NamedTappedTuple {
  const raw = parseJson(t.valuesJson ?? '[]');
  const values: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const fields = t.fields ?? [];
  if (Array.isArray(raw)) raw.forEach((v, i) => (values[fields[i] ?? `#${i}`] = v));
  else values['#values'] = raw;
  const timeMs = Number(t.timeMs ?? 0);
  return {
    time: new Date(timeMs).toISOString(),
    timeMs,
    component: t.component ?? '',
    task: t.task ?? 0,
    stream: t.stream ?? '',
    worker: t.worker || worker,
    fields: [...fields],
    values,
    ...(t.messageIdJson ? { messageId: parseJson(t.messageIdJson) } : {}),
  };
}
