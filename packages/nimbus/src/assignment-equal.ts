import type { Assignment } from '@squall/cluster-state';

/** Whether two assignments place the same executors on the same slots (start times aside). */
export function assignmentsEqual(a: Assignment, b: Assignment): boolean {
  const key = (x: Assignment) =>
    x.executors
      .map((e) => `${e.component}[${e.startTask}-${e.endTask}]@${e.supervisorId}:${e.port}`)
      .sort()
      .join(',') +
    '|' +
    x.workers
      .map((w) => `${w.supervisorId}:${w.host}:${w.port}`)
      .sort()
      .join(',');
  return key(a) === key(b);
}
