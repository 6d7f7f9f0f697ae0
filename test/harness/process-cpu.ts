import { readFileSync } from 'node:fs';

/** User + system CPU seconds of a process so far (utime + stime from /proc, in USER_HZ = 100 ticks/s); 0 once gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}
