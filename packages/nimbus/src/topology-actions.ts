import { createHash } from 'node:crypto';
import { computeLayout, topologyProblems, type TopologySpec } from '@squall/api';
import { configProblems, effectiveConfig, getConfig, isSafeId, MAX_ID_CHARS, type Config } from '@squall/core';
import type { StormBase } from '@squall/cluster-state';
import { AlreadyExistsError, InvalidSubmissionError, NotFoundError, StateError } from './errors';
import { findTopology, type NimbusContext } from './nimbus-context';
import { capParallelism, refuseForbiddenKeys, sizeProblems, taskCap } from './topology-limits';

/** What a submit carries besides the package bytes. */
export interface SubmitRequest {
  name: string;
  specJson: string;
  confJson: string;
  digest: string;
  size: number;
  owner: string;
}

function parseJson<T>(text: string, what: string): T {
  let parsed: T;
  try {
    parsed = JSON.parse(text) as T;
  } catch (err) {
    throw new InvalidSubmissionError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
  refuseForbiddenKeys(parsed, what);
  return parsed;
}

/** Daemon secrets that never belong in a topology's conf (workers and `squall stats` would see them). */
const DAEMON_SECRET_KEYS = ['nimbus.auth.token', 'squall.cluster.secret', 'storm.zookeeper.auth.secret'];

/** Node.js flags that open a debugger port: refused in topology.worker.childopts and topology.environment's NODE_OPTIONS. */
const DEBUG_FLAG = /^--(inspect|debug)(-brk|-port|-wait|-publish-uid)?(=|$)/;

/** Problems with the submitter's worker options: debugger flags, and the operator's key used in place of the topology's. */
export function workerOptionProblems(submitted: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  if (submitted['worker.childopts'] !== undefined)
    problems.push(
      "worker.childopts is the operator's (set in the supervisors' config); a topology sets topology.worker.childopts, appended after it",
    );
  const flags = (v: unknown) => (typeof v === 'string' ? v.split(/\s+/).filter(Boolean) : []);
  for (const f of flags(submitted['topology.worker.childopts']))
    if (DEBUG_FLAG.test(f))
      problems.push(`topology.worker.childopts: ${f} would open a debugger port on the workers; refused`);
  const env = submitted['topology.environment'];
  if (env !== null && typeof env === 'object')
    for (const f of flags((env as Record<string, unknown>)['NODE_OPTIONS']))
      if (DEBUG_FLAG.test(f))
        problems.push(`topology.environment NODE_OPTIONS: ${f} would open a debugger port on the workers; refused`);
  return problems;
}

/**
 * Checks a submission before any byte is stored: name, spec, conf (every problem listed), size limit, and that no
 * running topology has the name. Returns the spec and effective conf nimbus will run.
 */
export async function checkSubmission(
  ctx: NimbusContext,
  req: SubmitRequest,
): Promise<{ spec: TopologySpec; conf: Config }> {
  const maxBytes = ctx.settings.packageMaxBytes;
  if (req.size > maxBytes)
    throw new InvalidSubmissionError(`package of ${req.size} bytes exceeds nimbus.package.max.bytes (${maxBytes})`);
  if (!/^[0-9a-f]{64}$/.test(req.digest))
    throw new InvalidSubmissionError('package digest must be a lower-case hex sha256');
  const spec = parseJson<TopologySpec>(req.specJson, 'topology spec');
  const submitted = req.confJson ? parseJson<Config>(req.confJson, 'topology conf') : {};
  if (typeof spec !== 'object' || spec === null || !Array.isArray(spec.components))
    throw new InvalidSubmissionError('topology spec has no components list');
  if (typeof submitted !== 'object' || submitted === null || Array.isArray(submitted))
    throw new InvalidSubmissionError('topology conf must be a JSON object');
  const fromSpec: Config = typeof spec.conf === 'object' && spec.conf !== null ? { ...spec.conf } : {};
  for (const key of DAEMON_SECRET_KEYS) {
    if (key in submitted || key in fromSpec)
      ctx.log.warn(
        { topology: req.name },
        `dropped ${key} from the conf of ${req.name}: daemon secrets never go to workers`,
      );
    delete (submitted as Record<string, unknown>)[key];
    delete (fromSpec as Record<string, unknown>)[key];
  }
  const conf = effectiveConfig(fromSpec, submitted, { 'topology.name': req.name });
  const named: TopologySpec = { ...spec, name: req.name, conf };
  const problems = [...topologyProblems(named), ...workerOptionProblems({ ...fromSpec, ...submitted })];
  // The id (`<name>-<counter>-<secs>`) becomes a directory name: what the name pattern allows must also be a safe id.
  if (/^[A-Za-z0-9._-]+$/.test(req.name) && !isSafeId(`${req.name}-1-1`))
    problems.push(`topology name '${req.name}' may not start with '.' or contain '..'`);
  if (req.name.length > MAX_ID_CHARS - 30)
    problems.push(`topology name is ${req.name.length} characters long (at most ${MAX_ID_CHARS - 30})`);
  problems.push(...configProblems(conf).map((p) => `config: ${p}`));
  // Counted only for an otherwise valid topology (its numbers are then known to be whole and positive).
  if (problems.length === 0) problems.push(...sizeProblems(ctx.conf, named, conf));
  if (problems.length > 0)
    throw new InvalidSubmissionError(
      `invalid topology '${req.name}': ${problems.length} problem(s):\n  - ${[...new Set(problems)].join('\n  - ')}`,
    );
  if (await findTopology(ctx, req.name)) throw new AlreadyExistsError(req.name);
  return { spec: capParallelism(named, conf), conf };
}

/** Stores a checked package, records the topology as ACTIVE and schedules it. Returns the topology id. */
export async function storeSubmission(
  ctx: NimbusContext,
  req: SubmitRequest,
  checked: { spec: TopologySpec; conf: Config },
  bytes: Buffer,
): Promise<string> {
  if (bytes.length !== req.size)
    throw new InvalidSubmissionError(
      `package truncated or oversized: received ${bytes.length} bytes, header said ${req.size}`,
    );
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== req.digest)
    throw new InvalidSubmissionError(`package corrupt: sha256 is ${digest}, header said ${req.digest}`);
  const epochSecs = Math.floor(Date.now() / 1000);
  const existing = await ctx.cluster.listStormIds();
  let counter = existing.length + 1;
  while (existing.includes(`${req.name}-${counter}-${epochSecs}`)) counter++;
  const id = `${req.name}-${counter}-${epochSecs}`;
  const layout = computeLayout(checked.spec, checked.conf);
  const componentExecutors: Record<string, number> = {};
  for (const e of layout.executors) componentExecutors[e.component] = (componentExecutors[e.component] ?? 0) + 1;
  ctx.packages.save({ topologyId: id, spec: checked.spec, conf: checked.conf, digest, size: bytes.length }, bytes);
  const base: StormBase = {
    name: req.name,
    status: 'ACTIVE',
    owner: req.owner,
    launchTimeSecs: epochSecs,
    numWorkers: getConfig(checked.conf, 'topology.workers'),
    componentExecutors,
    packageDigest: digest,
  };
  try {
    await ctx.cluster.putStorm(id, base, 'absent');
    await ctx.cluster.advertiseBlob(id, { nimbusId: ctx.address, digest, sizeBytes: bytes.length });
  } catch (err) {
    ctx.packages.remove(id);
    throw err;
  }
  ctx.log.info({ topology: id, digest, bytes: bytes.length }, `submitted ${id}`);
  await ctx.reconcileSoon();
  return id;
}

async function running(ctx: NimbusContext, name: string) {
  const t = await findTopology(ctx, name);
  if (!t) throw new NotFoundError(name);
  return t;
}

function waitSecsOf(ctx: NimbusContext, id: string, waitSecs: number | undefined): number {
  if (waitSecs !== undefined && waitSecs !== null) return waitSecs;
  const conf = ctx.packages.record(id)?.conf ?? ctx.conf;
  return getConfig(conf, 'topology.message.timeout.secs');
}

/** Kills a topology: spouts deactivated now, workers stopped after `waitSecs` (default: the message timeout). */
export async function killTopology(ctx: NimbusContext, name: string, waitSecs?: number): Promise<void> {
  const { id, storm } = await running(ctx, name);
  const wait = waitSecsOf(ctx, id, waitSecs);
  await ctx.cluster.putStorm(
    id,
    { ...storm.value, status: 'KILLED', killWaitSecs: wait, transitionAtMs: Date.now() + wait * 1000 },
    storm.version,
  );
  ctx.log.info({ topology: id }, `killing ${id} in ${wait}s`);
  await ctx.reconcileSoon();
}

/** Sets ACTIVE or INACTIVE. */
export async function setActive(ctx: NimbusContext, name: string, active: boolean): Promise<void> {
  const { id, storm } = await running(ctx, name);
  if (storm.value.status === 'REBALANCING')
    throw new StateError(`topology '${name}' is rebalancing; try again when it is done`);
  const status = active ? 'ACTIVE' : 'INACTIVE';
  if (storm.value.status === status) return;
  await ctx.cluster.putStorm(id, { ...storm.value, status }, storm.version);
  ctx.log.info({ topology: id }, `${active ? 'activated' : 'deactivated'} ${id}`);
}

/** Starts a rebalance: deactivated for `waitSecs`, then rescheduled with the new worker and executor counts. */
export async function rebalanceTopology(
  ctx: NimbusContext,
  name: string,
  waitSecs: number | undefined,
  numWorkers: number | undefined,
  executors: Record<string, number>,
): Promise<void> {
  const { id, storm } = await running(ctx, name);
  if (storm.value.status === 'REBALANCING') throw new StateError(`topology '${name}' is already rebalancing`);
  const record = ctx.packages.record(id);
  const problems: string[] = [];
  if (numWorkers !== undefined && !(numWorkers >= 1)) problems.push(`workers must be at least 1, got ${numWorkers}`);
  const cap = record ? taskCap(record.conf) : Infinity;
  for (const [component, n] of Object.entries(executors)) {
    const c = record?.spec.components.find((x) => x.id === component);
    if (!c) problems.push(`no component '${component}' in topology '${name}'`);
    else if (!(n >= 1) || n > Math.min(c.numTasks, cap))
      problems.push(
        `component '${component}' must have 1 to ${Math.min(c.numTasks, cap)} executors (its task count), got ${n}`,
      );
  }
  if (record && problems.length === 0) {
    const conf = numWorkers !== undefined ? { ...record.conf, 'topology.workers': numWorkers } : record.conf;
    problems.push(...sizeProblems(ctx.conf, record.spec, conf, executors));
  }
  if (problems.length > 0)
    throw new InvalidSubmissionError(`invalid rebalance of '${name}':\n  - ${problems.join('\n  - ')}`);
  const wait = waitSecsOf(ctx, id, waitSecs);
  const rebalance = {
    waitSecs: wait,
    ...(numWorkers !== undefined ? { numWorkers } : {}),
    ...(Object.keys(executors).length > 0 ? { componentExecutors: executors } : {}),
  };
  await ctx.cluster.putStorm(
    id,
    {
      ...storm.value,
      status: 'REBALANCING',
      previousStatus: storm.value.status,
      rebalance,
      transitionAtMs: Date.now() + wait * 1000,
    },
    storm.version,
  );
  ctx.log.info({ topology: id }, `rebalancing ${id} in ${wait}s`);
}
