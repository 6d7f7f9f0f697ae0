import * as grpc from '@grpc/grpc-js';
import { getConfig, type Logger } from '@squall/core';
import {
  MAX_TAPS_PER_WORKER,
  TAP_BATCH_READY,
  tapRateCap,
  type LogLevelSetting,
  type TappedTuple,
  type TapSubscription,
  type WorkerRuntime,
} from '@squall/engine';
import { credentialProblem, WorkerService, type pb, type WorkerHandlers } from '@squall/protocol';

/** Tuples per TapEvents message. */
const TAP_BATCH = TAP_BATCH_READY;
/**
 * A trickle is sent at most this often (ms), so it goes out in batches: at a capped 100 tuples/s, 10 messages a second
 * to wake nimbus and the client, on machines where they share the workers' cores. A full batch goes at once (the hub
 * says when one is ready), so a burst at 100% sampling is sent before the buffer fills and drops.
 */
const TAP_FLUSH_MS = 100;
/** An idle tap still reports its drop count and the worker's tap count this often (ms). */
const TAP_STATUS_MS = 1000;

/** Options of {@link createTapHandlers}. */
export interface TapServiceOptions {
  topologyId: string;
  secret: string;
  /** "host:port" of this worker: the audience nimbus's proofs are made for. */
  self: string;
  /** The runtime whose emits are tapped and whose debug options are set. */
  runtime: WorkerRuntime;
  log: Logger;
  /** `topology.tap.buffer.size`. */
  bufferSize: number;
}

/** The debug options document nimbus pushes (WorkerDebugOptions.options_json). */
export interface WorkerDebugDocument {
  debug?: Record<string, { enabled: boolean; samplingPct: number }>;
  logLevels?: Record<string, LogLevelSetting>;
}

type TapCall = grpc.ServerWritableStream<pb.TapWorkerRequest, pb.ITapEvents>;

/** The wire form of a tapped tuple. */
export function tappedToProto(t: TappedTuple): pb.ITappedTuple {
  return {
    timeMs: t.timeMs,
    component: t.component,
    task: t.task,
    stream: t.stream,
    fields: [...t.fields],
    valuesJson: t.valuesJson,
    messageIdJson: t.messageIdJson,
  };
}

/**
 * The Worker service's debugging calls: Tap (live copies of emitted tuples, best effort through the engine's
 * bounded tap buffers) and ApplyDebugOptions (Storm's debug sampling and log levels, pushed by nimbus). Both need a
 * proof of the topology's secret, which only nimbus (and the topology's own workers) hold; `ping` is wrapped to
 * report how many taps are active.
 */
export function createTapHandlers(opts: TapServiceOptions): {
  handlers: Pick<WorkerHandlers, 'tap' | 'applyDebugOptions'>;
  withTapCount: (ping: WorkerHandlers['ping']) => WorkerHandlers['ping'];
  activeTaps: () => number;
  close: () => void;
} {
  const calls = new Set<() => void>();
  const credentials = {
    audiences: () => [opts.self],
    topologySecret: (id: string) => (id === opts.topologyId ? opts.secret : undefined),
  };
  const refused = (method: string, metadata: grpc.Metadata, peer: string): string | undefined => {
    const problem = credentialProblem(credentials, 'topology', method, metadata);
    if (problem !== undefined) opts.log.warn({ peer, method }, `refused ${method} from ${peer}: ${problem}`);
    return problem;
  };
  const rt = opts.runtime;
  const activeTaps = () => rt.taps.tapCount;

  const tap = (call: TapCall): void => {
    const fail = (code: grpc.status, details: string): void =>
      void call.emit('error', Object.assign(new Error(details), { code, details }));
    if (refused(WorkerService.tap.path, call.metadata, call.getPeer()) !== undefined)
      return fail(grpc.status.UNAUTHENTICATED, "unauthenticated: tapping a worker requires the topology's credential");
    const spec = call.request.spec ?? {};
    const pct = Number(spec.samplePct ?? 0) || 100;
    if (!(pct > 0 && pct <= 100))
      return fail(grpc.status.INVALID_ARGUMENT, `sample_pct must be in (0, 100], got ${spec.samplePct}`);
    if (rt.taps.tapCount >= MAX_TAPS_PER_WORKER)
      return fail(grpc.status.RESOURCE_EXHAUSTED, `this worker already serves ${MAX_TAPS_PER_WORKER} taps`);
    // Never above the topology's cap, whatever the caller asked for (nimbus refuses such a request first).
    const maxPerSec = tapRateCap(
      Number(spec.maxTuplesPerSec ?? 0),
      getConfig(rt.conf, 'topology.tap.max.tuples.per.sec'),
    );
    let ended = false;
    let writable = true;
    let flushTimer: NodeJS.Timeout | undefined;
    const sub: TapSubscription = rt.taps.add(
      {
        component: spec.component ?? '',
        stream: spec.stream ?? '',
        samplePct: pct,
        filters: (spec.filters ?? []).map((f) => ({ field: f.field ?? '', value: f.value ?? '' })),
        maxPerSec,
      },
      () => {
        if (ended) return;
        if (sub.size >= TAP_BATCH) {
          if (flushTimer) clearTimeout(flushTimer);
          flushTimer = undefined;
          flush();
        } else if (!flushTimer) flushTimer = setTimeout(flush, TAP_FLUSH_MS);
      },
      opts.bufferSize,
    );
    function flush(): void {
      flushTimer = undefined;
      if (ended) return;
      while (writable && sub.size > 0)
        send({
          tuples: sub.take(TAP_BATCH).map(tappedToProto),
          dropped: sub.dropped,
          rateCapped: sub.rateCapped,
          activeTaps: activeTaps(),
        });
    }
    /** Writes a message; when the stream is full, waits for it to drain (meanwhile the buffer fills, then drops). */
    function send(m: pb.ITapEvents): void {
      writable = call.write(m);
      if (!writable)
        call.once('drain', () => {
          writable = true;
          flush();
        });
    }
    const status = setInterval(() => {
      if (writable && !ended && sub.size === 0)
        send({ dropped: sub.dropped, rateCapped: sub.rateCapped, activeTaps: activeTaps() });
    }, TAP_STATUS_MS);
    const what = `${spec.component || '*'}${spec.stream ? `:${spec.stream}` : ''}`;
    const end = (why: string): void => {
      if (ended) return;
      ended = true;
      calls.delete(stop);
      clearInterval(status);
      if (flushTimer) clearTimeout(flushTimer);
      rt.taps.remove(sub);
      opts.log.info(
        { tap: what, tapped: sub.tapped, dropped: sub.dropped, rateCapped: sub.rateCapped, taps: rt.taps.tapCount },
        `tap on ${what} ended (${why}): ${sub.tapped} tuple(s) tapped, ${sub.dropped} dropped (buffer full), ${sub.rateCapped} rate-capped; ${rt.taps.tapCount} tap(s) left`,
      );
    };
    const stop = (): void => {
      end('worker stopping');
      call.end();
    };
    calls.add(stop);
    call.on('cancelled', () => end('cancelled by the caller'));
    call.on('error', () => end('stream error'));
    call.on('close', () => end('stream closed'));
    opts.log.info(
      { tap: what, samplePct: pct, maxTuplesPerSec: maxPerSec, peer: call.getPeer(), taps: rt.taps.tapCount },
      `tap on ${what} started at ${pct}%, ${maxPerSec > 0 ? `at most ${maxPerSec} tuples/s` : 'no rate cap'}; ${rt.taps.tapCount} tap(s) active`,
    );
    // The first message says the tap is in place (callers wait for it before counting on tuples).
    send({ dropped: 0, rateCapped: 0, maxTuplesPerSec: maxPerSec, activeTaps: activeTaps() });
  };

  const applyDebugOptions: WorkerHandlers['applyDebugOptions'] = (call, callback) => {
    if (refused(WorkerService.applyDebugOptions.path, call.metadata, call.getPeer()) !== undefined)
      return callback({
        code: grpc.status.UNAUTHENTICATED,
        details: "unauthenticated: this call requires the topology's credential",
      } as grpc.ServiceError);
    let doc: WorkerDebugDocument;
    try {
      doc = JSON.parse(call.request.optionsJson || '{}') as WorkerDebugDocument;
      if (doc === null || typeof doc !== 'object') throw new Error('not an object');
    } catch (err) {
      return callback({
        code: grpc.status.INVALID_ARGUMENT,
        details: `options_json is not a JSON object: ${(err as Error).message}`,
      } as grpc.ServiceError);
    }
    applyDebugDocument(rt, doc, opts.log);
    callback(null, { activeTaps: activeTaps() });
  };

  return {
    handlers: { tap, applyDebugOptions },
    withTapCount: (ping) => (call, callback) =>
      ping(call, (err, res) => callback(err, res ? { ...res, activeTaps: activeTaps() } : res)),
    activeTaps,
    close: () => {
      for (const stop of [...calls]) stop();
    },
  };
}

/** Last applied document per runtime, so an unchanged push is not logged again. */
const applied = new WeakMap<WorkerRuntime, string>();

/** Applies a debug options document to a runtime: debug sampling per component, and log levels. */
export function applyDebugDocument(rt: WorkerRuntime, doc: WorkerDebugDocument, log: Logger): void {
  const components = new Set([...rt.model.components.keys(), '']);
  for (const c of components) {
    const d = doc.debug?.[c];
    rt.taps.setDebug(
      c,
      d && d.enabled
        ? { enabled: true, samplingPct: Number(d.samplingPct) || 100 }
        : c === '' && rt.conf['topology.debug'] === true
          ? { enabled: true, samplingPct: 100 }
          : undefined,
    );
  }
  rt.logLevels.apply(doc.logLevels ?? {});
  const text = JSON.stringify(doc);
  if (applied.get(rt) !== text) {
    applied.set(rt, text);
    log.info({ debug: doc.debug ?? {}, logLevels: doc.logLevels ?? {} }, 'debug options applied');
  }
}
