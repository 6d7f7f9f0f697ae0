import * as grpc from '@grpc/grpc-js';
import { getConfig, type Config } from '@squall/core';
import { tapRateCap } from '@squall/engine';
import type { pb } from '@squall/protocol';
import { InvalidSubmissionError, NotFoundError, toServiceError } from './errors';
import { findTopology, type NimbusContext } from './nimbus-context';
import type { WorkerCalls } from './worker-calls';

/** How often a tap checks the assignment for workers that moved, restarted or joined (ms). */
const RESYNC_MS = 2000;
/** Longest component, stream, field or value a tap request may name. */
const MAX_NAME_CHARS = 1000;
/** Most field filters one tap may carry. */
const MAX_FILTERS = 16;

type ClientCall = grpc.ServerWritableStream<pb.TapTopologyRequest, pb.ITapEvents>;

/** Active taps per topology id, for `nimbus.tap.max.per.topology`. */
const activeTaps = new Map<string, number>();
/** How to end each active tap (nimbus ends them all when it stops: a graceful gRPC shutdown waits for open calls). */
const enders = new Map<() => void, NimbusContext>();

/** Ends every active tap served with `ctx` (their callers see the stream end). */
export function endAllTaps(ctx: NimbusContext): void {
  for (const [end, c] of [...enders]) if (c === ctx) end();
}

/**
 * Checks a tap's spec against the topology's declared components, streams and fields.
 * @throws InvalidSubmissionError naming what is unknown, and what there is
 */
export function checkTapSpec(
  spec: pb.ITapSpec,
  components: ReadonlyArray<{ id: string; outputs: ReadonlyArray<{ id: string; fields: readonly string[] }> }>,
  topologyName: string,
): void {
  const component = spec.component ?? '';
  const stream = spec.stream ?? '';
  const filters = spec.filters ?? [];
  const pct = Number(spec.samplePct ?? 0);
  if (!(pct >= 0 && pct <= 100))
    throw new InvalidSubmissionError(`the sampling percentage must be in (0, 100], got ${spec.samplePct}`);
  if (filters.length > MAX_FILTERS)
    throw new InvalidSubmissionError(`at most ${MAX_FILTERS} filters per tap, got ${filters.length}`);
  for (const s of [component, stream, ...filters.flatMap((f) => [f.field ?? '', f.value ?? ''])])
    if (s.length > MAX_NAME_CHARS)
      throw new InvalidSubmissionError(`a tap names something ${s.length} characters long (at most ${MAX_NAME_CHARS})`);
  const chosen = component ? components.filter((c) => c.id === component) : components;
  if (component && chosen.length === 0)
    throw new InvalidSubmissionError(
      `topology '${topologyName}' has no component '${component}' (it has ${components.map((c) => c.id).join(', ') || 'none'})`,
    );
  const streams = chosen.flatMap((c) => c.outputs.filter((o) => !stream || o.id === stream));
  if (stream && streams.length === 0) {
    const declared = [...new Set(chosen.flatMap((c) => c.outputs.map((o) => o.id)))];
    throw new InvalidSubmissionError(
      `${component ? `component '${component}'` : `no component of '${topologyName}'`} declares no stream '${stream}' (declared: ${declared.join(', ') || 'none'})`,
    );
  }
  for (const f of filters) {
    if (!f.field) throw new InvalidSubmissionError('a tap filter needs a field name (FIELD=VALUE)');
    if (!streams.some((s) => s.fields.includes(f.field!))) {
      const fields = [...new Set(streams.flatMap((s) => s.fields))];
      throw new InvalidSubmissionError(
        `no tapped stream has a field '${f.field}' (fields: ${fields.join(', ') || 'none'})`,
      );
    }
  }
}

/**
 * The rate cap of a tap on a topology with configuration `conf`: what it asked for, else the topology's
 * `topology.tap.max.tuples.per.sec` (0: none).
 * @throws InvalidSubmissionError when it asks for more than the topology allows
 */
export function tapCapFor(spec: pb.ITapSpec, conf: Readonly<Config>, topologyName: string): number {
  const requested = Number(spec.maxTuplesPerSec ?? 0);
  const ceiling = getConfig(conf, 'topology.tap.max.tuples.per.sec');
  if (ceiling > 0 && requested > ceiling)
    throw new InvalidSubmissionError(
      `a tap may take at most ${ceiling} tuples/s per worker on topology '${topologyName}' (its topology.tap.max.tuples.per.sec), asked for ${requested}: submit it with a higher one (0 for no cap) to tap faster`,
    );
  return tapRateCap(requested, ceiling);
}

/**
 * Nimbus.Tap: validates the request, then opens a Worker.Tap call on every worker running the component (proving the
 * topology's secret), forwards their tuples to the caller with the worker's address, and every RESYNC_MS follows
 * the assignment (workers restarted or moved get a new call). Ends every worker call as soon as the caller goes away.
 * When the caller reads slower than the workers send, batches are dropped here and counted with the workers' drops.
 */
export function serveTap(ctx: NimbusContext, workers: WorkerCalls, call: ClientCall): void {
  let ended = false;
  const fail = (err: unknown) => {
    if (ended) return;
    ended = true;
    const e = toServiceError(err);
    call.emit('error', Object.assign(new Error(e.details), e));
  };

  const run = (topologyId: string, secret: string, spec: pb.ITapSpec, maxTuplesPerSec: number): void => {
    activeTaps.set(topologyId, (activeTaps.get(topologyId) ?? 0) + 1);
    const open = new Map<
      string,
      { stream: grpc.ClientReadableStream<pb.TapEvents>; dropped: number; rateCapped: number }
    >();
    let droppedHere = 0;
    let writable = true;
    let lastWorkers = '';
    const component = spec.component ?? '';
    const write = (m: pb.ITapEvents): void => {
      if (ended) return;
      if (!writable) {
        droppedHere += m.tuples?.length ?? 0;
        return;
      }
      writable = call.write(m);
      if (!writable)
        call.once('drain', () => {
          writable = true;
        });
    };
    const dropped = () => droppedHere + [...open.values()].reduce((n, w) => n + w.dropped, 0) + closedDrops;
    const rateCapped = () => [...open.values()].reduce((n, w) => n + w.rateCapped, 0) + closedCapped;
    let closedDrops = 0;
    let closedCapped = 0;
    /** Counts of a worker's tap that ended, kept in the totals. */
    const closed = (w: { dropped: number; rateCapped: number }) => {
      closedDrops += w.dropped;
      closedCapped += w.rateCapped;
    };
    const counts = () => ({ dropped: dropped(), rateCapped: rateCapped() });
    const stopWorker = (address: string) => {
      const w = open.get(address);
      if (!w) return;
      open.delete(address);
      closed(w);
      w.stream.cancel();
    };
    const sync = async (): Promise<void> => {
      const a = (await ctx.cluster.getAssignment(topologyId))?.value;
      if (ended) return;
      const wanted = new Set(
        (a?.workers ?? [])
          .filter(
            (w) =>
              !component ||
              a!.executors.some(
                (e) => e.supervisorId === w.supervisorId && e.port === w.port && e.component === component,
              ),
          )
          .map((w) => `${w.host}:${w.port}`),
      );
      for (const address of [...open.keys()]) if (!wanted.has(address)) stopWorker(address);
      const notices: string[] = [];
      for (const address of wanted) {
        if (open.has(address)) continue;
        const stream = workers.tap(address, topologyId, secret, { ...spec, maxTuplesPerSec });
        const entry = { stream, dropped: 0, rateCapped: 0 };
        open.set(address, entry);
        stream.on('data', (m: pb.TapEvents) => {
          entry.dropped = Number(m.dropped);
          entry.rateCapped = Number(m.rateCapped);
          if (m.tuples.length > 0) write({ tuples: m.tuples, worker: address, ...counts() });
        });
        stream.on('error', (err: grpc.ServiceError) => {
          if (open.get(address) !== entry) return;
          open.delete(address);
          closed(entry);
          if (err.code !== grpc.status.CANCELLED)
            write({ notices: [`worker ${address}: ${err.details || err.message}; trying again`], ...counts() });
        });
        stream.on('end', () => {
          if (open.get(address) === entry) {
            open.delete(address);
            closed(entry);
          }
        });
      }
      const list = [...wanted].sort().join(',');
      if (list !== lastWorkers || notices.length > 0) {
        lastWorkers = list;
        write({ workers: [...wanted].sort(), notices, maxTuplesPerSec, ...counts() });
      }
    };
    const timer = setInterval(
      () =>
        void sync().catch((err: unknown) =>
          ctx.log.warn({ err, topology: topologyId }, `tap: could not read the assignment: ${(err as Error).message}`),
        ),
      RESYNC_MS,
    );
    // Without tuples, the caller still hears the drop count now and then.
    const status = setInterval(() => write(counts()), 1000);
    const end = (why: string): void => {
      if (ended) return;
      ended = true;
      enders.delete(shutdown);
      clearInterval(timer);
      clearInterval(status);
      for (const address of [...open.keys()]) stopWorker(address);
      const n = (activeTaps.get(topologyId) ?? 1) - 1;
      if (n > 0) activeTaps.set(topologyId, n);
      else activeTaps.delete(topologyId);
      ctx.log.info(
        { topology: topologyId, tap: component || '*', ...counts() },
        `tap on ${topologyId} ${component || '*'} ended: ${why}`,
      );
    };
    const shutdown = () => {
      end('nimbus stopping');
      call.end();
    };
    enders.set(shutdown, ctx);
    call.on('cancelled', () => end('the caller went away'));
    call.on('close', () => end('stream closed'));
    call.on('error', () => end('stream error'));
    ctx.log.info(
      { topology: topologyId, tap: component || '*', peer: call.getPeer() },
      `tap on ${topologyId} ${component || '*'} started for ${call.getPeer()}`,
    );
    void sync().catch((err: unknown) =>
      ctx.log.warn({ err, topology: topologyId }, `tap: could not read the assignment: ${(err as Error).message}`),
    );
  };

  (async () => {
    const req = call.request;
    const name = req.topology ?? '';
    const t = await findTopology(ctx, name);
    if (!t) throw new NotFoundError(name);
    const record = ctx.packages.record(t.id);
    if (!record)
      throw Object.assign(new Error(`this nimbus does not hold the package of ${t.id} yet: try the leader`), {
        code: grpc.status.UNAVAILABLE,
      });
    const spec = req.spec ?? {};
    checkTapSpec(spec, record.spec.components, t.storm.value.name);
    const maxTuplesPerSec = tapCapFor(spec, record.conf, t.storm.value.name);
    const max = getConfig(ctx.conf, 'nimbus.tap.max.per.topology');
    if ((activeTaps.get(t.id) ?? 0) >= max)
      throw Object.assign(
        new Error(`topology '${t.storm.value.name}' already has ${max} taps (nimbus.tap.max.per.topology)`),
        { code: grpc.status.RESOURCE_EXHAUSTED },
      );
    if (call.cancelled || ended) return;
    run(t.id, record.secret, spec, maxTuplesPerSec);
  })().catch(fail);
}
