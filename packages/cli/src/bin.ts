#!/usr/bin/env node
import { Command } from 'commander';
import { SQUALL_VERSION } from '@squall/core';
import { registerLocal } from './commands/local';
import { endQuietlyOnClosedOutput } from './closed-output';
import { fail, setVerbose } from './fail';

endQuietlyOnClosedOutput();

const program = new Command();
program
  .name('squall')
  .description("Squall: Apache Storm's cluster runtime, in TypeScript on Node.js")
  .version(SQUALL_VERSION)
  .option('-v, --verbose', 'show stack traces on errors')
  .hook('preAction', (cmd) => setVerbose(Boolean(cmd.opts().verbose)));

/**
 * The commands that talk to a cluster, loaded only when needed: they load gRPC and protobufjs, which `squall local`
 * (the first argument that is not an option being `local`) runs without.
 */
async function registerClusterCommands(): Promise<void> {
  const [submit, topology, stats, logs, daemons, devCluster, ui, monitor, quickstart, tap, setLogLevel, debug] =
    await Promise.all([
      import('./commands/submit.js'),
      import('./commands/topology-commands.js'),
      import('./commands/stats.js'),
      import('./commands/logs.js'),
      import('./commands/daemons.js'),
      import('./commands/dev-cluster.js'),
      import('./commands/ui.js'),
      import('./commands/monitor.js'),
      import('./commands/quickstart.js'),
      import('./commands/tap.js'),
      import('./commands/set-log-level.js'),
      import('./commands/debug.js'),
    ]);
  submit.registerSubmit(program);
  topology.registerTopologyCommands(program);
  stats.registerStats(program);
  logs.registerLogs(program);
  daemons.registerDaemons(program);
  devCluster.registerDevCluster(program);
  ui.registerUi(program);
  monitor.registerMonitor(program);
  quickstart.registerQuickstart(program);
  tap.registerTap(program);
  setLogLevel.registerSetLogLevel(program);
  debug.registerDebug(program);
}

registerLocal(program);
const command = process.argv.slice(2).find((a) => !a.startsWith('-'));
(command === 'local' ? Promise.resolve() : registerClusterCommands())
  .then(() => program.parseAsync(process.argv))
  .catch((err) => fail(err));
