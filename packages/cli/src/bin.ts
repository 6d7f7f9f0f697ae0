#!/usr/bin/env node
import { Command } from 'commander';
import { SQUALL_VERSION } from '@squall/core';
import { registerDaemons } from './commands/daemons';
import { registerDevCluster } from './commands/dev-cluster';
import { registerLocal } from './commands/local';
import { registerLogs } from './commands/logs';
import { registerMonitor } from './commands/monitor';
import { registerQuickstart } from './commands/quickstart';
import { registerStats } from './commands/stats';
import { registerSubmit } from './commands/submit';
import { registerTopologyCommands } from './commands/topology-commands';
import { registerUi } from './commands/ui';
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

program.parseAsync(process.argv).catch((err) => fail(err));
