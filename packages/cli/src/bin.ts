#!/usr/bin/env node
import { Command } from 'commander';
import { registerLocal } from './commands/local';
import { fail, setVerbose } from './fail';

const program = new Command();
program
  .name('squall')
  .description("Squall: Apache Storm's cluster runtime, in TypeScript on Node.js")
  .version('0.1.0')
  .option('-v, --verbose', 'show stack traces on errors')
  .hook('preAction', (cmd) => setVerbose(Boolean(cmd.opts().verbose)));

registerLocal(program);

program.parseAsync(process.argv).catch((err) => fail(err));
