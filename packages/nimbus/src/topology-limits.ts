import { ackerCount, maxTaskParallelism, type TopologySpec } from '@squall/api';
import { forbiddenKeyProblems, getConfig, type Config } from '@squall/core';
import { InvalidSubmissionError } from './errors';

/**
 * Throws {@link InvalidSubmissionError} naming every `__proto__`, `constructor` or `prototype` key in a document a
 * submitter sent (`what`: "topology spec", "topology conf"), before anything is merged: such a key would otherwise
 * become the merged conf's prototype.
 */
export function refuseForbiddenKeys(value: unknown, what: string): void {
  const problems = forbiddenKeyProblems(value, what);
  if (problems.length > 0)
    throw new InvalidSubmissionError(`invalid ${what}: ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`);
}

/** `topology.max.task.parallelism` (unset: no cap). */
export const taskCap: (conf: Config) => number = maxTaskParallelism;

/**
 * The spec as nimbus runs it: like Storm, `topology.max.task.parallelism` caps each component's tasks and parallelism
 * hint, so every view of the topology (layout, info, rebalance limits) sees the same numbers.
 */
export function capParallelism(spec: TopologySpec, conf: Config): TopologySpec {
  const cap = taskCap(conf);
  if (cap === Infinity) return spec;
  return {
    ...spec,
    components: spec.components.map((c) => ({
      ...c,
      numTasks: Math.min(c.numTasks, cap),
      parallelism: Math.min(c.parallelism, cap),
    })),
  };
}

/**
 * Problems with the size of a valid topology against this nimbus's limits (`nimbus.max.topology.tasks`,
 * `nimbus.executors.perTopology`, read from nimbus's own conf so a submitter cannot raise them), counted without
 * building the task layout: a topology asking for ten million tasks is refused in microseconds. Ackers count.
 * @param executors executors per component replacing the spec's parallelism (a rebalance)
 */
export function sizeProblems(
  nimbusConf: Config,
  spec: TopologySpec,
  conf: Config,
  executors: Record<string, number> = {},
): string[] {
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
  const maxTasks = getConfig(nimbusConf, 'nimbus.max.topology.tasks');
  if (tasks > maxTasks)
    problems.push(
      `the topology has ${tasks} tasks (largest: ${largest('tasks')}), over this cluster's nimbus.max.topology.tasks = ${maxTasks}; lower numTasks or set topology.max.task.parallelism`,
    );
  const maxExecutors = getConfig(nimbusConf, 'nimbus.executors.perTopology');
  if (maxExecutors !== null && execs > maxExecutors)
    problems.push(
      `the topology has ${execs} executors (largest: ${largest('executors')}), over this cluster's nimbus.executors.perTopology = ${maxExecutors}; lower the parallelism hints`,
    );
  return problems;
}
