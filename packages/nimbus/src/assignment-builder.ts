import type { Assignment } from '@squall/cluster-state';
import type { ExecutorSpec } from '@squall/api';
import type { ScheduledWorker } from './scheduler';

/** The scheduler's workers as they were in a stored assignment. */
export function workersOf(a: Assignment | undefined): ScheduledWorker[] {
  if (!a) return [];
  return a.workers.map((w) => ({
    supervisorId: w.supervisorId,
    host: w.host,
    port: w.port,
    executors: a.executors
      .filter((e) => e.supervisorId === w.supervisorId && e.port === w.port)
      .map((e): ExecutorSpec => ({ component: e.component, startTask: e.startTask, endTask: e.endTask })),
  }));
}

/** The assignment document of scheduled workers; start times kept for executors that did not move. */
export function toAssignment(
  workers: readonly ScheduledWorker[],
  previous: Assignment | undefined,
  nowSecs: number,
): Assignment {
  const executors = workers.flatMap((w) =>
    w.executors.map((e) => ({ ...e, supervisorId: w.supervisorId, port: w.port })),
  );
  const startTimes: Record<string, number> = {};
  for (const e of executors) {
    const key = `${e.startTask}-${e.endTask}`;
    const before = previous?.executors.find((p) => p.startTask === e.startTask && p.endTask === e.endTask);
    const same = before && before.supervisorId === e.supervisorId && before.port === e.port;
    startTimes[key] = same ? (previous!.startTimes[key] ?? nowSecs) : nowSecs;
  }
  return {
    executors,
    workers: workers.map((w) => ({ supervisorId: w.supervisorId, host: w.host, port: w.port })),
    startTimes,
  };
}
