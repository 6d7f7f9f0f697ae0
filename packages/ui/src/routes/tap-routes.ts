// Live taps in the web UI, served from Nimbus.Tap as server-sent events:
// GET /api/v1/topology/:id/component/:component/tap?stream=&sample=&maxRate=&filter=FIELD=VALUE (filter repeatable)
//   maxRate: at most that many tuples/s per worker (default and most allowed: topology.tap.max.tuples.per.sec)
//   text/event-stream; events:
//     event: tuples   data: [{time, timeMs, component, task, stream, worker, fields, values: {field: value},
//                           messageId?}, ...]   (one nimbus batch)
//     event: status   data: {dropped, droppedByUi, rateCapped, maxTuplesPerSec, workers, notices}   (when something
//                           changed; counts cumulative: `dropped` counts the workers', nimbus's and this UI's drops
//                           (a full buffer), `rateCapped` the tuples the workers skipped over the tap's rate cap,
//                           `maxTuplesPerSec` that cap per worker, 0 for none)
//     event: end      data: {reason}    the tap ended (topology killed, nimbus stopping, UI stopping)
//     event: error    data: {error}     the tap failed after it started
//   Failures found before the stream starts (bad parameters, unknown topology, component, stream or field, too many
//   taps) are Storm's JSON error document with 400/404/429/502. Tapped values are user data: with nimbus.auth.token
//   set the route needs `Authorization: Bearer` (the web app reads it with fetch(), not EventSource, to send it).
//   When the client goes away the nimbus call is cancelled at once, and nimbus cancels the workers' taps.
import type { ServerResponse } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import type { FastifyPluginAsync } from 'fastify';
import { namedTappedTuple, NimbusService, type pb } from '@squall/protocol';
import { HttpError } from '../errors';
import { toHttpError } from '../nimbus-gateway';
import { ErrorBodySchema } from '../rest-schema';
import type { TapStatus, TapTuple } from '../tap-events';
import { ID_PATTERN, idParam, requireToken, type Query, type RouteContext } from './route-context';

/** Taps one UI daemon serves at once (each holds a nimbus call and an HTTP response); more get 429. */
export const MAX_UI_TAPS = 8;
/** Bytes a tap's response may have waiting for a slow client; batches beyond are dropped and counted. */
export const MAX_TAP_BUFFER_BYTES = 256 * 1024;
/** Most `filter` parameters of one tap (nimbus allows as many). */
const MAX_FILTERS = 16;
/** Longest filter, field or value text accepted. */
const MAX_FILTER_CHARS = 1000;
/** How long the route waits for nimbus to accept the tap (or say why not) before it starts the stream anyway. */
const ACCEPT_WAIT_MS = 5000;
/** A comment line this often keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15000;

/** A tapped tuple with its values named by the stream's fields (`#i` for a value without a name). */
export function tapTupleJson(t: pb.ITappedTuple, worker: string): TapTuple {
  return namedTappedTuple(t, worker);
}

/**
 * The tap's query: `stream` (empty for every stream), `sample` (percentage in (0, 100], default 100), `filter`
 * (`FIELD=VALUE`, repeatable).
 * @throws HttpError 400 naming the parameter that is wrong
 */
export function parseTapQuery(query: unknown): {
  stream: string;
  samplePct: number;
  maxTuplesPerSec: number;
  filters: Array<{ field: string; value: string }>;
} {
  const q = query as Query;
  const one = (name: string): string => {
    const v = q[name];
    if (Array.isArray(v)) throw new HttpError(400, `query parameter '${name}' given ${v.length} times`);
    return v ?? '';
  };
  const stream = one('stream');
  if (stream && !ID_PATTERN.test(stream))
    throw new HttpError(400, `stream '${stream.slice(0, 100)}' is not a valid stream id`);
  const sample = one('sample');
  const samplePct = sample === '' ? 100 : Number(sample);
  if (!(/^\d+(\.\d+)?$/.test(sample || '100') && samplePct > 0 && samplePct <= 100))
    throw new HttpError(
      400,
      `query parameter 'sample' must be a percentage in (0, 100], got '${sample.slice(0, 100)}'`,
    );
  const maxRate = one('maxRate');
  const maxTuplesPerSec = maxRate === '' ? 0 : Number(maxRate);
  if (!(/^\d{1,9}$/.test(maxRate || '0') && maxTuplesPerSec >= 0))
    throw new HttpError(
      400,
      `query parameter 'maxRate' must be a whole number of tuples per second, got '${maxRate.slice(0, 100)}'`,
    );
  const raw = q.filter === undefined ? [] : [q.filter].flat();
  if (raw.length > MAX_FILTERS) throw new HttpError(400, `at most ${MAX_FILTERS} filter parameters, got ${raw.length}`);
  const filters = raw
    .filter((f) => f !== '')
    .map((f) => {
      const i = f.indexOf('=');
      if (i <= 0 || f.length > MAX_FILTER_CHARS)
        throw new HttpError(
          400,
          `query parameter 'filter' must be FIELD=VALUE (at most ${MAX_FILTER_CHARS} characters), got '${f.slice(0, 100)}'`,
        );
      return { field: f.slice(0, i), value: f.slice(i + 1) };
    });
  return { stream, samplePct, maxTuplesPerSec, filters };
}

/** One server-sent event. */
function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The tap route (under /api/v1); it needs the token when one is set. */
export const tapRoutes: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  /** How to end each open tap, for the UI's shutdown (an open response would hold the server open). */
  const open = new Set<(reason: string) => void>();
  let starting = 0;
  app.addHook('preClose', async () => {
    for (const end of [...open]) end('the UI is stopping');
  });

  app.get(
    '/topology/:id/component/:component/tap',
    { schema: { response: { '4xx': ErrorBodySchema, '5xx': ErrorBodySchema } }, onRequest: requireToken(ctx) },
    async (req, reply) => {
      const topology = idParam(req.params, 'id', 'topology');
      const component = idParam(req.params, 'component', 'component');
      const { stream, samplePct, maxTuplesPerSec, filters } = parseTapQuery(req.query);
      if (open.size + starting >= MAX_UI_TAPS)
        throw new HttpError(429, `this UI already serves ${MAX_UI_TAPS} taps: stop one first`);
      starting++;
      let call: grpc.ClientReadableStream<pb.TapEvents> | undefined;
      let first: pb.TapEvents | undefined;
      try {
        const c = (call = await ctx.nimbus.tap({
          topology,
          spec: { component, stream, samplePct, filters, maxTuplesPerSec },
        }));
        // Nimbus checks the spec before it answers: its refusal becomes this request's 4xx, not a broken stream.
        first = await new Promise<pb.TapEvents | undefined>((resolve, reject) => {
          const timer = setTimeout(() => done(() => resolve(undefined)), ACCEPT_WAIT_MS);
          const onData = (m: pb.TapEvents) => done(() => resolve(m));
          const onError = (err: grpc.ServiceError) => done(() => reject(toHttpError(err, NimbusService.tap.path)));
          const onEnd = () => done(() => reject(new HttpError(502, 'nimbus ended the tap before it started')));
          const onGone = () => done(() => reject(new HttpError(400, 'the client went away')));
          const done = (f: () => void) => {
            clearTimeout(timer);
            c.off('data', onData).off('error', onError).off('end', onEnd);
            reply.raw.off('close', onGone);
            f();
          };
          c.on('data', onData).on('error', onError).on('end', onEnd);
          // A response closed before it was written: the client went away while nimbus was asked.
          reply.raw.once('close', onGone);
        });
      } catch (err) {
        call?.cancel();
        throw err;
      } finally {
        starting--;
      }
      reply.hijack();
      streamTap(reply.raw, call, first, open);
      return reply;
    },
  );
};

/** Writes the tap's events to `res` until the call or the client ends. */
function streamTap(
  res: ServerResponse,
  call: grpc.ClientReadableStream<pb.TapEvents>,
  first: pb.TapEvents | undefined,
  open: Set<(reason: string) => void>,
): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  let ended = false;
  let nimbusDropped = 0;
  let droppedByUi = 0;
  let rateCapped = 0;
  let maxTuplesPerSec = 0;
  let sent = '';
  let workers: string[] = [];
  const write = (text: string): void => {
    if (!ended) res.write(text);
  };
  const status = (notices: readonly string[] = []): void => {
    const dropped = nimbusDropped + droppedByUi;
    const key = `${dropped} ${rateCapped}`;
    if (key === sent && notices.length === 0) return;
    sent = key;
    write(sse('status', { dropped, droppedByUi, rateCapped, maxTuplesPerSec, workers, notices } satisfies TapStatus));
  };
  const onEvents = (m: pb.TapEvents): void => {
    nimbusDropped = Math.max(nimbusDropped, Number(m.dropped ?? 0));
    rateCapped = Math.max(rateCapped, Number(m.rateCapped ?? 0));
    if (m.maxTuplesPerSec > 0) maxTuplesPerSec = m.maxTuplesPerSec;
    let changed = m.notices.length > 0;
    if (m.workers.length > 0 && m.workers.join(',') !== workers.join(',')) {
      workers = [...m.workers];
      changed = true;
    }
    if (m.tuples.length > 0) {
      // A client that reads slower than the topology emits: drop and count rather than buffer without bound.
      if (res.writableLength > MAX_TAP_BUFFER_BYTES) droppedByUi += m.tuples.length;
      else
        write(
          sse(
            'tuples',
            m.tuples.map((t) => tapTupleJson(t, m.worker)),
          ),
        );
    }
    if (changed) sent = '';
    status(m.notices);
  };
  const keepalive = setInterval(() => write(': keepalive\n\n'), KEEPALIVE_MS);
  const end = (event?: string, data?: unknown): void => {
    if (ended) return;
    if (event) write(sse(event, data));
    ended = true;
    open.delete(stop);
    clearInterval(keepalive);
    call.cancel();
    res.end();
  };
  const stop = (reason: string) => end('end', { reason });
  open.add(stop);
  call.on('data', onEvents);
  call.on('error', (err: grpc.ServiceError) => {
    if (err.code === grpc.status.CANCELLED && ended) return;
    end('error', { error: toHttpError(err, NimbusService.tap.path).message });
  });
  call.on('end', () => end('end', { reason: 'nimbus ended the tap' }));
  // The browser went away (tab closed, Stop pressed, navigation): nimbus forgets the tap now, not at the next write.
  res.on('close', () => end());
  if (first) onEvents(first);
  else
    write(
      sse('status', {
        dropped: 0,
        droppedByUi: 0,
        rateCapped: 0,
        maxTuplesPerSec: 0,
        workers,
        notices: [],
      } satisfies TapStatus),
    );
}
