import { createHash } from 'node:crypto';
import { ackerCount, computeLayout, topologyProblems, type TopologySpec } from '@squall/api';
import { defaultConfig, forbiddenKeyProblems, getConfig, InvalidConfigError, mergeConfig, validateConfig, type Config } from '@squall/core';
import type { StormBase } from '@squall/cluster-state';
import { AlreadyExistsError, InvalidSubmissionError, NotFoundError, StateError } from './errors';
import { findTopology, type NimbusContext } from './nimbus-context';

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
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new InvalidSubmissionError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * Checks a submission before any byte is stored: name, spec, conf (every problem listed), size limit, and that no
 * running topology has the name. Returns the spec and effective conf nimbus will run.
 */
export async function checkSubmission(ctx: NimbusContext, req: SubmitRequest): Promise<{ spec: TopologySpec; conf: Config }> {
  const maxBytes = getConfig<number>(ctx.conf, 'nimbus.package.max.bytes');
  if (req.size > maxBytes) throw new InvalidSubmissionError(`package of ${req.size} bytes exceeds nimbus.package.max.bytes (${maxBytes})`);
  if (!/^[0-9a-f]{64}$/.test(req.digest)) throw new InvalidSubmissionError('package digest must be a lower-case hex sha256');
  const spec = parseJson<TopologySpec>(req.specJson, 'topology spec');
  const submitted = req.confJson ? parseJson<Config>(req.confJson, 'topology conf') : {};
  if (typeof spec !== 'object' || spec === null || !Array.isArray(spec.components)) throw new InvalidSubmissionError('topology spec has no components list');
  // Before anything is merged: a `__proto__` key would otherwise become the merged conf's prototype.
  const keyProblems = [...forbiddenKeyProblems(spec, 'topology spec'), ...forbiddenKeyProblems(submitted, 'submitted conf')];
  if (keyProblems.length > 0) throw invalid(req.name, keyProblems);
  const conf = mergeConfig(defaultConfig(), spec.conf, submitted, { 'topology.name': req.name });
  const named: TopologySpec = { ...spec, name: req.name, conf };
  const problems = topologyProblems(named);
  try {
    validateConfig(conf, 'topology conf');
  } catch (err) {
    if (err instanceof InvalidConfigError) problems.push(...err.problems.map((p) => `config: ${p}`));
    else throw err;
  }
  if (problems.length === 0) problems.push(...sizeProblems(ctx.conf, named, conf));
  if (problems.length > 0) throw invalid(req.name, problems);
  if (await findTopology(ctx, req.name)) throw new AlreadyExistsError(req.name);
  return { spec: capParallelism(named, conf), conf };
}

function invalid(name: string, problems: string[]): InvalidSubmissionError {
  const unique = [...new Set(problems)];
  return new InvalidSubmissionError(`invalid topology '${name}': ${unique.length} problem(s):\n  - ${unique.join('\n  - ')}`);
}

/** `topology.max.task.parallelism` (unset: no cap). */
function taskCap(conf: Config): number {
  return getConfig<number | null>(conf, 'topology.max.task.parallelism') ?? Infinity;
}

/**
 * The spec as nimbus runs it: like Storm, `topology.max.task.parallelism` caps each component's tasks and parallelism
 * hint, so every view of the topology (layout, info, rebalance limits) sees the same numbers.
 */
function capParallelism(spec: TopologySpec, conf: Config): TopologySpec {
  const cap = taskCap(conf);
  if (cap === Infinity) return spec;
  return { ...spec, components: spec.components.map((c) => ({ ...c, numTasks: Math.min(c.numTasks, cap), parallelism: Math.min(c.parallelism, cap) })) };
}

/**
 * Problems with the size of a valid topology against this nimbus's limits (`nimbus.max.topology.tasks`,
 * `nimbus.executors.perTopology`, read from nimbus's own conf so a submitter cannot raise them), counted without
 * building the task layout: a topology asking for ten million tasks is refused in microseconds.
 * @param executors executors per component replacing the spec's parallelism (a rebalance)
 */
export function sizeProblems(nimbusConf: Config, spec: TopologySpec, conf: Config, executors: Record<string, number> = {}): string[] {
  const cap = taskCap(conf);
  const ackers = ackerCount(conf);
  let tasks = ackers;
  let execs = ackers;
  const sizes: Array<{ id: string; tasks: number; executors: number }> = [];
  for (const c of spec.components) {
    const t = Math.min(c.numTasks, cap);
    const e = Math.min(executors[c.id] ?? c.parallelism, t);
    tasks += t;
    execs += e;
    sizes.push({ id: c.id, tasks: t, executors: e });
  }
  const largest = (key: 'tasks' | 'executors') =>
    [...sizes]
      .sort((a, b) => b[key] - a[key])
      .slice(0, 3)
      .map((s) => `'${s.id}' ${s[key]}`)
      .concat(ackers > 0 ? [`${ackers} acker(s)`] : [])
      .join(', ');
  const problems: string[] = [];
  const maxTasks = getConfig<number>(nimbusConf, 'nimbus.max.topology.tasks');
  if (tasks > maxTasks)
    problems.push(`the topology has ${tasks} tasks (largest: ${largest('tasks')}), over this cluster's nimbus.max.topology.tasks = ${maxTasks}; lower numTasks or set topology.max.task.parallelism`);
  const maxExecutors = getConfig<number | null>(nimbusConf, 'nimbus.executors.perTopology');
  if (maxExecutors !== null && execs > maxExecutors)
    problems.push(`the topology has ${execs} executors (largest: ${largest('executors')}), over this cluster's nimbus.executors.perTopology = ${maxExecutors}; lower the parallelism hints`);
  return problems;
}

/** Stores a checked package, records the topology as ACTIVE and schedules it. Returns the topology id. */
export async function storeSubmission(ctx: NimbusContext, req: SubmitRequest, checked: { spec: TopologySpec; conf: Config }, bytes: Buffer): Promise<string> {
  if (bytes.length !== req.size) throw new InvalidSubmissionError(`package truncated or oversized: received ${bytes.length} bytes, header said ${req.size}`);
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== req.digest) throw new InvalidSubmissionError(`package corrupt: sha256 is ${digest}, header said ${req.digest}`);
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
    numWorkers: getConfig<number>(checked.conf, 'topology.workers'),
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
  return getConfig<number>(conf, 'topology.message.timeout.secs');
}

/** Kills a topology: spouts deactivated now, workers stopped after `waitSecs` (default: the message timeout). */
export async function killTopology(ctx: NimbusContext, name: string, waitSecs?: number): Promise<void> {
  const { id, storm } = await running(ctx, name);
  const wait = waitSecsOf(ctx, id, waitSecs);
  await ctx.cluster.putStorm(id, { ...storm.value, status: 'KILLED', killWaitSecs: wait, transitionAtMs: Date.now() + wait * 1000 }, storm.version);
  ctx.log.info({ topology: id }, `killing ${id} in ${wait}s`);
  await ctx.reconcileSoon();
}

/** Sets ACTIVE or INACTIVE. */
export async function setActive(ctx: NimbusContext, name: string, active: boolean): Promise<void> {
  const { id, storm } = await running(ctx, name);
  if (storm.value.status === 'REBALANCING') throw new StateError(`topology '${name}' is rebalancing; try again when it is done`);
  const status = active ? 'ACTIVE' : 'INACTIVE';
  if (storm.value.status === status) return;
  await ctx.cluster.putStorm(id, { ...storm.value, status }, storm.version);
  ctx.log.info({ topology: id }, `${active ? 'activated' : 'deactivated'} ${id}`);
}

/** Starts a rebalance: deactivated for `waitSecs`, then rescheduled with the new worker and executor counts. */
export async function rebalanceTopology(ctx: NimbusContext, name: string, waitSecs: number | undefined, numWorkers: number | undefined, executors: Record<string, number>): Promise<void> {
  const { id, storm } = await running(ctx, name);
  if (storm.value.status === 'REBALANCING') throw new StateError(`topology '${name}' is already rebalancing`);
  const record = ctx.packages.record(id);
  const problems: string[] = [];
  if (numWorkers !== undefined && !(numWorkers >= 1)) problems.push(`workers must be at least 1, got ${numWorkers}`);
  const cap = record ? taskCap(record.conf) : Infinity;
  for (const [component, n] of Object.entries(executors)) {
    const c = record?.spec.components.find((x) => x.id === component);
    if (!c) problems.push(`no component '${component}' in topology '${name}'`);
    else if (!(n >= 1) || n > Math.min(c.numTasks, cap)) problems.push(`component '${component}' must have 1 to ${Math.min(c.numTasks, cap)} executors (its task count), got ${n}`);
  }
  if (record && problems.length === 0) {
    const conf = numWorkers !== undefined ? { ...record.conf, 'topology.workers': numWorkers } : record.conf;
    problems.push(...sizeProblems(ctx.conf, record.spec, conf, executors));
  }
  if (problems.length > 0) throw new InvalidSubmissionError(`invalid rebalance of '${name}':\n  - ${problems.join('\n  - ')}`);
  const wait = waitSecsOf(ctx, id, waitSecs);
  const rebalance = { waitSecs: wait, ...(numWorkers !== undefined ? { numWorkers } : {}), ...(Object.keys(executors).length > 0 ? { componentExecutors: executors } : {}) };
  await ctx.cluster.putStorm(id, { ...storm.value, status: 'REBALANCING', previousStatus: storm.value.status, rebalance, transitionAtMs: Date.now() + wait * 1000 }, storm.version);
  ctx.log.info({ topology: id }, `rebalancing ${id} in ${wait}s`);
}
