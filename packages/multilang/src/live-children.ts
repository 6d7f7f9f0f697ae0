/**
 * Process groups of every running child of this process. When the process exits (normally or through
 * `process.exit`), each group is killed, so no multi-lang child outlives its worker. A worker killed by SIGKILL
 * cannot run this: each child was started through `setpriv --pdeathsig SIGKILL` (see shell-process.ts), so the
 * kernel kills it when the worker dies; where setpriv is missing (not Linux), the child sees EOF on stdin and a
 * well-behaved one (pystorm, Squall's Python library) exits.
 */
const live = new Set<number>();
let hooked = false;

function killAll(): void {
  for (const pid of live) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

/** Records a running child process group (its leader's pid). */
export function addLiveChild(pid: number): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', killAll);
  }
  live.add(pid);
}

/** Forgets a child process group once it has been reaped. */
export function removeLiveChild(pid: number): void {
  live.delete(pid);
}

/** Pids of the process groups still recorded (for tests and diagnostics). */
export function liveChildPids(): number[] {
  return [...live];
}
