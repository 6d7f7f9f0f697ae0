#!/usr/bin/env node
import { Command } from 'commander';
import { registerStreamparseLoader, registerYamlLoader } from '@squall/multilang';
import { registerDaemons } from './commands/daemons';
import { registerDevCluster } from './commands/dev-cluster';
import { registerLocal } from './commands/local';
import { registerLogs } from './commands/logs';
import { registerMonitor } from './commands/monitor';
import { registerQuickstart } from './commands/quickstart';
import { registerStats } from './commands/stats';
import { registerSetLogLevel } from './commands/set-log-level';
import { registerSubmit } from './commands/submit';
import { registerTap } from './commands/tap';
import { registerTopologyCommands } from './commands/topology-commands';
import { registerUi } from './commands/ui';
import { endQuietlyOnClosedOutput } from './closed-output';
import { fail, setVerbose } from './fail';

endQuietlyOnClosedOutput();
// YAML (Flux-like) topologies with multi-lang components are accepted wherever a topology file is.
registerYamlLoader();
registerStreamparseLoader();

const program = new Command();
program
  .name('squall')
  .description("Squall: Apache Storm's cluster runtime, in TypeScript on Node.js")
  .version('0.1.0')
  .option('-v, --verbose', 'show stack traces on errors')
  .hook('preAction', (cmd) => setVerbose(Boolean(cmd.opts().verbose)));

registerLocal(program);
registerSubmit(program);
registerTopologyCommands(program);
registerStats(program);
registerLogs(program);
registerDaemons(program);
registerDevCluster(program);
registerUi(program);
registerMonitor(program);
registerQuickstart(program);
registerTap(program);
registerSetLogLevel(program);

program.parseAsync(process.argv).catch((err) => fail(err));
