import type { StormBase } from '@squall/cluster-state';
import { VersionConflictError } from '@squall/cluster-state';
import type { pb } from '@squall/protocol';
import { InvalidSubmissionError, NotFoundError } from './errors';
import { findTopology, type NimbusContext } from './nimbus-context';
import type { WorkerCalls } from './worker-calls';

/** Pino levels `set-log-level` accepts. */
export const PINO_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
/** The logger name standing for the whole topology. */
const ROOT = 'ROOT';
/** Longest a log level may stay changed before it reverts by itself, seconds (a week). */
const MAX_LEVEL_TIMEOUT_SECS = 7 * 24 * 3600;

/** The debug options a topology's workers are given (WorkerDebugOptions.options_json), from its base. */
export function debugDocument(
  base: StormBase,
  nowMs = Date.now(),
): { debug: NonNullable<StormBase['componentDebug']>; logLevels: NonNullable<StormBase['logLevels']> } {
  const logLevels: NonNullable<StormBase['logLevels']> = {};
  for (const [k, v] of Object.entries(base.logLevels ?? {}))
    if (!v.expiresAtMs || v.expiresAtMs > nowMs) logLevels[k] = v;
  return { debug: base.componentDebug ?? {}, logLevels };
}

/** Storm's view of a component's debug switch: its own setting, else the topology's. */
export function debugOf(base: StormBase, component = ''): { enabled: boolean; samplingPct: number } {
  const d = base.componentDebug?.[component] ?? (component ? base.componentDebug?.[''] : undefined);
  return d ? { enabled: d.enabled, samplingPct: d.samplingPct } : { enabled: false, samplingPct: 0 };
}

/** Applies `change` to a running topology's base, retrying on a concurrent write. */
async function updateBase(
  ctx: NimbusContext,
  name: string,
  change: (base: StormBase, componentIds: string[]) => StormBase,
): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const t = await findTopology(ctx, name);
    if (!t) throw new NotFoundError(name);
    const ids = (ctx.packages.record(t.id)?.spec.components ?? []).map((c) => c.id);
    try {
      await ctx.cluster.putStorm(t.id, change(t.storm.value, ids), t.storm.version);
      return t.id;
    } catch (err) {
      if (!(err instanceof VersionConflictError) || attempt >= 5) throw err;
    }
  }
}

/**
 * Nimbus.SetDebug: Storm's debug switch for a topology (`component` empty) or one component, stored in the
 * topology's base and pushed to its workers.
 * @throws InvalidSubmissionError for an unknown component or a percentage outside (0, 100]
 */
export async function setDebug(
  ctx: NimbusContext,
  workers: WorkerCalls,
  req: pb.ISetDebugRequest,
): Promise<pb.ISetDebugResponse> {
  const component = req.component ?? '';
  const pct = Number(req.samplingPct ?? 0);
  if (req.enable && !(pct > 0 && pct <= 100))
    throw new InvalidSubmissionError(`the sampling percentage must be in (0, 100], got ${req.samplingPct}`);
  const id = await updateBase(ctx, req.topology ?? '', (base, ids) => {
    if (component && !ids.includes(component))
      throw new InvalidSubmissionError(
        `topology '${base.name}' has no component '${component}' (it has ${ids.join(', ') || 'none'})`,
      );
    const debug = { ...(base.componentDebug ?? {}) };
    if (req.enable) debug[component] = { enabled: true, samplingPct: pct };
    else if (component === '') {
      // Storm: turning the topology's debug off turns every component's off.
      for (const k of Object.keys(debug)) delete debug[k];
    } else delete debug[component];
    return { ...base, componentDebug: debug };
  });
  ctx.log.info(
    { topology: id, debugComponent: component || '*', enable: Boolean(req.enable), samplingPct: pct },
    `debug ${req.enable ? `on at ${pct}%` : 'off'} for ${id} ${component || '(whole topology)'}`,
  );
  await pushDebugOptions(ctx, workers, id);
  return { topologyId: id };
}

/**
 * Nimbus.SetLogLevel: Storm's set_log_level. Each setting names a component or ROOT, a pino level and an optional
 * timeout after which it reverts; `reset` removes settings. Stored in the topology's base and pushed to its workers.
 * @throws InvalidSubmissionError for an unknown logger or level
 */
export async function setLogLevel(
  ctx: NimbusContext,
  workers: WorkerCalls,
  req: pb.ISetLogLevelRequest,
): Promise<pb.ISetLogLevelResponse> {
  const now = Date.now();
  const id = await updateBase(ctx, req.topology ?? '', (base, ids) => {
    const known = (logger: string) => {
      if (logger !== ROOT && !ids.includes(logger))
        throw new InvalidSubmissionError(
          `topology '${base.name}' has no logger '${logger}': name a component (${ids.join(', ') || 'none'}) or ROOT`,
        );
    };
    const levels = { ...debugDocument(base, now).logLevels };
    for (const r of req.reset ?? []) {
      known(r);
      delete levels[r];
    }
    for (const s of req.set ?? []) {
      const logger = s.logger ?? '';
      known(logger);
      const level = (s.level ?? '').toLowerCase();
      if (!PINO_LEVELS.includes(level))
        throw new InvalidSubmissionError(`'${s.level}' is not a log level (one of ${PINO_LEVELS.join(', ')})`);
      const timeout = Number(s.timeoutSecs ?? 0);
      if (timeout > MAX_LEVEL_TIMEOUT_SECS)
        throw new InvalidSubmissionError(
          `a log level timeout is at most ${MAX_LEVEL_TIMEOUT_SECS} seconds, got ${timeout}`,
        );
      levels[logger] = timeout > 0 ? { level, expiresAtMs: now + timeout * 1000 } : { level };
    }
    return { ...base, logLevels: levels };
  });
  ctx.log.info({ topology: id, set: req.set ?? [], reset: req.reset ?? [] }, `log levels of ${id} changed`);
  await pushDebugOptions(ctx, workers, id);
  return { topologyId: id };
}

/**
 * Pushes a topology's debug options to every worker of its assignment. A worker that cannot be reached is logged and
 * tried again on the next pass of the pusher.
 */
export async function pushDebugOptions(ctx: NimbusContext, workers: WorkerCalls, topologyId: string): Promise<void> {
  const storm = (await ctx.cluster.getStorm(topologyId))?.value;
  const record = ctx.packages.record(topologyId);
  const a = (await ctx.cluster.getAssignment(topologyId))?.value;
  if (!storm || !record || !a) return;
  const doc = JSON.stringify(debugDocument(storm));
  await Promise.all(
    a.workers.map(async (w) => {
      const address = `${w.host}:${w.port}`;
      try {
        await workers.applyDebugOptions(address, topologyId, record.secret, doc);
      } catch (err) {
        ctx.log.debug(
          { topology: topologyId, worker: address, err },
          `could not give debug options to worker ${address}`,
        );
      }
    }),
  );
}

/**
 * Keeps every topology's workers on their debug options: a restarted or moved worker starts without them, so this
 * pushes the stored options (a small unary call per worker) every `everyMs` to the workers of each topology that has
 * any. Only the leader pushes. Returns a stop function.
 */
export function startDebugOptionsPusher(ctx: NimbusContext, workers: WorkerCalls, everyMs: number): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running || !ctx.leader.isLeader()) return;
    running = true;
    (async () => {
      for (const id of await ctx.cluster.listStormIds()) {
        const storm = (await ctx.cluster.getStorm(id))?.value;
        if (!storm || storm.status === 'KILLED') continue;
        // Topologies never given options need nothing: a new worker starts without any.
        if (storm.componentDebug === undefined && storm.logLevels === undefined) continue;
        await pushDebugOptions(ctx, workers, id);
      }
    })()
      .catch((err: unknown) => ctx.log.warn({ err }, `debug options push failed: ${(err as Error).message}`))
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
