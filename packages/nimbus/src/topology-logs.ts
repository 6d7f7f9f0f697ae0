import type { pb } from '@squall/protocol';
import { InvalidSubmissionError, NotFoundError } from './errors';
import { findTopology, type NimbusContext } from './nimbus-context';
import type { SupervisorCalls } from './supervisor-calls';

/** Where a worker's log is read from when the request gives no position and no start: its last 64 KiB. */
export const DEFAULT_LOG_START = -64 * 1024;
/** Bytes read per worker per call unless the request says otherwise. */
export const DEFAULT_LOG_BYTES_PER_WORKER = 256 * 1024;
/** The supervisor's own cap on one read (GetWorkerLog). */
export const MAX_LOG_BYTES_PER_WORKER = 1024 * 1024;

/** Complete lines cut from a page of a log, and where the next read continues. */
export interface LogLines {
  lines: string[];
  /** Absolute offset of the first byte of the first line. */
  offset: number;
  nextOffset: number;
}

/**
 * Cuts a page of a log (`data`, read at absolute `offset`) into complete lines. With `skipFirst` the page starts one
 * byte before where the caller wanted (a tail read): everything up to the first line end is dropped, so the first
 * line returned is whole, and a whole line that began exactly at the wanted start is kept. The unfinished last line
 * is left for the next read, unless the page was `full` and holds no line end at all (a line longer than a read).
 */
export function cutLines(data: Uint8Array, offset: number, skipFirst: boolean, full: boolean): LogLines {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let start = 0;
  if (skipFirst) {
    const nl = buf.indexOf(0x0a);
    // Inside one line longer than the read: show its end rather than nothing.
    if (nl < 0)
      return full
        ? { lines: [buf.subarray(1).toString('utf8')], offset: offset + 1, nextOffset: offset + buf.length }
        : { lines: [], offset, nextOffset: offset };
    start = nl + 1;
  }
  const last = buf.lastIndexOf(0x0a);
  if (last < start) {
    if (full && buf.length > start)
      return { lines: [buf.subarray(start).toString('utf8')], offset: offset + start, nextOffset: offset + buf.length };
    return { lines: [], offset: offset + start, nextOffset: offset + start };
  }
  const lines = buf
    .subarray(start, last)
    .toString('utf8')
    .split('\n')
    .map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  return { lines, offset: offset + start, nextOffset: offset + last + 1 };
}

/**
 * Whether a log line belongs to `component`: a JSON line (Squall's pino logs) whose `component` field names another
 * component does not; every other line does, since nothing tells otherwise.
 */
export function lineOfComponent(line: string, component: string): boolean {
  if (!line.startsWith('{')) return true;
  try {
    const rec = JSON.parse(line) as { component?: unknown };
    return typeof rec.component !== 'string' || rec.component === component;
  } catch {
    return true;
  }
}

/**
 * GetTopologyLogs: reads the logs of the topology's workers (those running `component`, when given) from their
 * supervisors in parallel. A supervisor that cannot be asked gives that worker an `error`, not a failed call.
 * @throws NotFoundError when no topology has that name or id
 * @throws InvalidSubmissionError when the topology has no such component
 */
export async function topologyLogs(
  ctx: NimbusContext,
  supervisors: SupervisorCalls,
  req: pb.IGetTopologyLogsRequest,
): Promise<pb.IGetTopologyLogsResponse> {
  const name = req.topology ?? '';
  const t = (await findTopology(ctx, name)) ?? (await findTopology(ctx, name, true));
  if (!t) throw new NotFoundError(name);
  const a = (await ctx.cluster.getAssignment(t.id))?.value;
  const component = req.component ?? '';
  const known = (ctx.packages.record(t.id)?.spec.components ?? []).map((c) => c.id);
  if (component && !known.includes(component) && component !== '__acker') {
    throw new InvalidSubmissionError(
      `topology '${t.storm.value.name}' has no component '${component}' (it has ${known.join(', ') || 'none'})`,
    );
  }
  const maxBytes = Math.min(Number(req.maxBytesPerWorker) || DEFAULT_LOG_BYTES_PER_WORKER, MAX_LOG_BYTES_PER_WORKER);
  const start = req.start !== null && req.start !== undefined ? Number(req.start) : DEFAULT_LOG_START;
  const workers = (a?.workers ?? [])
    .map((w) => ({
      ...w,
      components: [
        ...new Set(
          a!.executors.filter((e) => e.supervisorId === w.supervisorId && e.port === w.port).map((e) => e.component),
        ),
      ],
    }))
    .filter((w) => !component || w.components.includes(component));

  const read = async (w: (typeof workers)[number]): Promise<pb.IWorkerLogLines> => {
    const position = (req.positions ?? []).find((p) => p.supervisorId === w.supervisorId && p.port === w.port);
    const from = position ? Number(position.offset) : start;
    const base = { supervisorId: w.supervisorId, host: w.host, port: w.port, components: w.components };
    const unread = { ...base, lines: [], offset: Math.max(0, from), nextOffset: Math.max(0, from), fileSize: 0 };
    const sup = ctx.heartbeats.supervisors.get(w.supervisorId);
    if (!sup?.servicePort)
      return { ...unread, error: `supervisor ${w.supervisorId} has not told nimbus where its service listens yet` };
    const address = `${sup.host}:${sup.servicePort}`;
    // A tail read starts one byte early, so cutLines can tell whether the first line is whole.
    const tail = from < 0;
    const length = tail ? maxBytes + 1 : maxBytes;
    try {
      const res = await supervisors.readWorkerLog(address, {
        topologyId: t.id,
        port: w.port,
        offset: tail ? from - 1 : from,
        length,
      });
      const offset = Number(res.offset);
      const cut = cutLines(res.data, offset, tail && offset > 0, res.data.length >= length);
      return {
        ...base,
        lines: component ? cut.lines.filter((l) => lineOfComponent(l, component)) : cut.lines,
        offset: cut.offset,
        nextOffset: cut.nextOffset,
        fileSize: Number(res.fileSize),
      };
    } catch (err) {
      const e = err as { details?: string; message?: string };
      return { ...unread, error: `supervisor at ${address} did not return the log: ${e.details || e.message}` };
    }
  };
  return { topologyId: t.id, topologyName: t.storm.value.name, workers: await Promise.all(workers.map(read)) };
}
