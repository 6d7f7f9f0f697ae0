import { DEFAULT_STREAM } from '@squall/api';
import { ProtocolViolationError } from './errors';

/** An `emit` command, checked. */
export interface EmitCommand {
  values: unknown[];
  stream: string;
  /** Target task of a direct emit (`task` present and non-zero), else undefined. */
  directTask: number | undefined;
  /** Bolt: ids of the inputs it is anchored to. */
  anchors: string[];
  /** Whether the child waits for the receiving task ids (the default, unless it sent `need_task_ids: false`). */
  needTaskIds: boolean;
  /** Spout message id as decoded; undefined or null means untracked. */
  id: unknown;
}

/**
 * Reads an emit as Storm does: stream defaults to `default`; `task` 0 or absent means not direct; `need_task_ids`
 * is true unless explicitly false.
 * @throws ProtocolViolationError for a missing `tuple` or fields of the wrong type
 */
export function parseEmit(msg: Record<string, unknown>): EmitCommand {
  const values = msg.tuple;
  if (!Array.isArray(values))
    throw new ProtocolViolationError(
      `an emit without a "tuple" list: ${JSON.stringify(msg, bigintSafe).slice(0, 200)}`,
    );
  const stream = msg.stream ?? DEFAULT_STREAM;
  if (typeof stream !== 'string')
    throw new ProtocolViolationError(`an emit whose "stream" is not a string: ${JSON.stringify(stream, bigintSafe)}`);
  const task = typeof msg.task === 'bigint' ? Number(msg.task) : msg.task;
  if (task !== undefined && task !== null && (typeof task !== 'number' || !Number.isInteger(task)))
    throw new ProtocolViolationError(`an emit whose "task" is not an integer: ${JSON.stringify(task)}`);
  const rawAnchors = msg.anchors ?? [];
  if (!Array.isArray(rawAnchors))
    throw new ProtocolViolationError(
      `an emit whose "anchors" is not a list: ${JSON.stringify(rawAnchors, bigintSafe)}`,
    );
  return {
    values,
    stream,
    directTask: typeof task === 'number' && task !== 0 ? task : undefined,
    anchors: rawAnchors.map((a) => (typeof a === 'string' ? a : String(a))),
    needTaskIds: msg.need_task_ids !== false,
    id: msg.id,
  };
}

/** JSON.stringify replacer for messages that may hold msgpack bigints. */
export function bigintSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
