import { getConfig, type Config } from '@squall/core';
import type { TopologySpec } from './topology-spec';
import { ACKER_COMPONENT } from './tuple';

/** A unit that runs a contiguous range of a component's tasks. */
export interface ExecutorSpec {
  component: string;
  startTask: number;
  endTask: number;
}

/** Task ids and executors of a topology: deterministic from spec and conf, so every process computes the same. */
export interface TaskLayout {
  /** Task id → component id (user components and `__acker`). */
  taskToComponent: Map<number, string>;
  /** Component id → its task ids, ascending. */
  componentTasks: Map<string, number[]>;
  /** Every executor, ordered by component id then task. */
  executors: ExecutorSpec[];
  /** Number of acker executors (0 when acking is off). */
  ackers: number;
}

/** Number of acker executors: `topology.acker.executors`, unset meaning one per worker. */
export function ackerCount(conf: Config): number {
  return getConfig(conf, 'topology.acker.executors') ?? getConfig(conf, 'topology.workers');
}

/** `topology.max.task.parallelism`, the cap on any component's tasks and executors; unset means none (Infinity). */
export function maxTaskParallelism(conf: Config): number {
  return getConfig(conf, 'topology.max.task.parallelism') ?? Infinity;
}

/**
 * Assigns task ids the way Storm does: components sorted by id (system ones included), each given a contiguous range
 * starting at 1; each component's tasks split into `parallelism` near-equal contiguous executor ranges.
 * `topology.max.task.parallelism` caps both executors and tasks.
 * @param overrides executors per component (from a rebalance), replacing the spec's parallelism
 */
export function computeLayout(spec: TopologySpec, conf: Config, overrides: Record<string, number> = {}): TaskLayout {
  const cap = maxTaskParallelism(conf);
  const entries = spec.components.map((c) => {
    const numTasks = Math.min(c.numTasks, cap);
    return { id: c.id, numTasks, executors: Math.min(overrides[c.id] ?? c.parallelism, numTasks) };
  });
  const ackers = ackerCount(conf);
  if (ackers > 0) entries.push({ id: ACKER_COMPONENT, numTasks: ackers, executors: ackers });
  entries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const layout: TaskLayout = { taskToComponent: new Map(), componentTasks: new Map(), executors: [], ackers };
  let next = 1;
  for (const e of entries) {
    const tasks: number[] = [];
    for (let i = 0; i < e.numTasks; i++) {
      tasks.push(next);
      layout.taskToComponent.set(next, e.id);
      next++;
    }
    layout.componentTasks.set(e.id, tasks);
    const base = Math.floor(e.numTasks / e.executors);
    const extra = e.numTasks % e.executors;
    let start = 0;
    for (let x = 0; x < e.executors; x++) {
      const size = base + (x < extra ? 1 : 0);
      layout.executors.push({ component: e.id, startTask: tasks[start]!, endTask: tasks[start + size - 1]! });
      start += size;
    }
  }
  return layout;
}

/** Stable key of an executor, `component[start-end]`, as Storm prints it. */
export function executorKey(e: ExecutorSpec): string {
  return `${e.component}[${e.startTask}-${e.endTask}]`;
}
