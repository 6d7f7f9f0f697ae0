import type { WorkerAssignment } from '@squall/launch-contract';

/** "host:port" of the worker running each task. */
export function taskAddresses(a: WorkerAssignment): Map<number, string> {
  const hosts = new Map(a.workers.map((w) => [`${w.supervisorId}:${w.port}`, w.host]));
  const out = new Map<number, string>();
  for (const e of a.executors) {
    const host = hosts.get(`${e.supervisorId}:${e.port}`) ?? '127.0.0.1';
    for (let t = e.startTask; t <= e.endTask; t++) out.set(t, `${host}:${e.port}`);
  }
  return out;
}
