import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WORKER_MAIN, type WorkerLaunch } from '@squall/worker';

/** A spawned worker process and how it ended. */
export interface WorkerProcess {
  pid: number;
  child: ChildProcess;
  startedMs: number;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  logFile: string;
}

/**
 * Spawns a worker: writes its launch description next to its log, runs `node <worker main> launch.json` with stdout
 * and stderr appended to `worker.log` (for the UI's log viewer), and records how it exits. `extraEnv` (a topology's
 * Python virtualenv) goes under `topology.environment`.
 */
export function spawnWorker(workDir: string, launch: WorkerLaunch, onExit: () => void, extraEnv: Readonly<Record<string, string>> = {}): WorkerProcess {
  mkdirSync(workDir, { recursive: true });
  const launchFile = path.join(workDir, 'launch.json');
  writeFileSync(launchFile, JSON.stringify(launch));
  const logFile = path.join(workDir, 'worker.log');
  const fd = openSync(logFile, 'a');
  const env = { ...process.env, ...extraEnv, ...((launch.topology.conf['topology.environment'] as Record<string, string> | undefined) ?? {}) };
  // A larger young generation suits the engine's many short-lived tuples; worker.childopts adds the operator's flags.
  const childopts = String(launch.topology.conf['worker.childopts'] ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, ['--max-semi-space-size=32', ...childopts, WORKER_MAIN, launchFile], { stdio: ['ignore', fd, fd], env, cwd: workDir });
  closeSync(fd);
  const proc: WorkerProcess = { pid: child.pid ?? -1, child, startedMs: Date.now(), logFile };
  child.on('exit', (code, signal) => {
    proc.exit = { code, signal };
    onExit();
  });
  child.on('error', () => {
    proc.exit ??= { code: -1, signal: null };
    onExit();
  });
  return proc;
}

/** "exit code 3" / "signal SIGKILL", for reports. */
export function describeExit(e: WorkerProcess['exit']): string | undefined {
  if (!e) return undefined;
  return e.signal ? `signal ${e.signal}` : `exit code ${e.code}`;
}
