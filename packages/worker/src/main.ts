#!/usr/bin/env node
/**
 * Entry point of a worker process, spawned by a supervisor: `node main.js <launch.json>`. Exits non-zero with a clear
 * log line when it cannot start (port in use: EXIT_PORT_IN_USE), when its supervisor is gone (EXIT_SUPERVISOR_LOST,
 * so no worker outlives its supervisor), and drains on SIGTERM.
 */
import { createLogger, effectiveConfig } from '@squall/core';
import { EXIT_PORT_IN_USE, EXIT_START_FAILED, EXIT_SUPERVISOR_LOST } from '@squall/launch-contract';
import { YAML_FILE_LOADERS } from '@squall/yaml-topology';
import { PortInUseError, WorkerLaunchError } from './errors';
import { readWorkerLaunch } from './read-launch';
import { Worker } from './worker';
import { workerSettings } from './worker-settings';

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new WorkerLaunchError('usage: main.js <launch.json>');
  const launch = readWorkerLaunch(file);
  const log = createLogger({
    bindings: { topology: launch.topologyId, port: launch.port },
    destination: { write: (s: string) => process.stdout.write(s) } as never,
  });
  const drainMs = Math.max(0, workerSettings(effectiveConfig(launch.topology.conf)).shutdownMs - 500);
  const parent = process.ppid;
  let worker: Worker | undefined;
  const exit = (code: number, why: string) => {
    log.warn({ code }, why);
    log.flush();
    const stop = worker ? worker.shutdown(code === 0 ? drainMs : 0) : Promise.resolve();
    const force = setTimeout(() => process.exit(code), drainMs + 1000);
    force.unref();
    void stop.finally(() => setImmediate(() => process.exit(code)));
  };
  process.once('SIGTERM', () => exit(0, 'SIGTERM: draining and stopping'));
  process.once('SIGINT', () => exit(0, 'SIGINT: draining and stopping'));
  // A supervisor killed with SIGKILL cannot stop us: notice being re-parented and leave.
  setInterval(() => {
    if (process.ppid !== parent) exit(EXIT_SUPERVISOR_LOST, `supervisor (pid ${parent}) is gone: exiting`);
  }, 500).unref();
  try {
    // A package's topology is a bundled module or, for a YAML topology or streamparse project, a YAML file.
    worker = await Worker.create(launch, log, {
      loaders: { files: YAML_FILE_LOADERS },
      onSupervisorLost: (why) => exit(EXIT_SUPERVISOR_LOST, `lost contact with supervisor: ${why}`),
    });
  } catch (err) {
    if (err instanceof PortInUseError) {
      log.error({ err }, err.message);
      log.flush();
      process.exit(EXIT_PORT_IN_USE);
    }
    throw err;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`worker failed to start: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(EXIT_START_FAILED);
});
