import type { Command } from 'commander';
import { createLogger } from '@squall/core';
import { Nimbus } from '@squall/nimbus';
import { Supervisor } from '@squall/supervisor';
import { collectConfig, loadCliConfig } from '../cli-config';
import { fail } from '../fail';
import { runUntilSignal } from '../run-until-signal';

interface DaemonOptions {
  c?: string[];
  config?: string;
}

/** `squall nimbus` and `squall supervisor`: run a daemon in the foreground, logging pino JSON to stdout. */
export function registerDaemons(program: Command): void {
  program
    .command('nimbus')
    .description('run a nimbus daemon (needs ZooKeeper: storm.zookeeper.servers/port)')
    .option('-c, --c <key=value>', 'config, repeatable (e.g. -c nimbus.port=6627)', collectConfig)
    .option('--config <file>', 'config file (squall.yaml)')
    .action((opts: DaemonOptions) => {
      const conf = loadCliConfig(opts);
      const log = createLogger({ component: 'nimbus', destination: { write: (s: string) => process.stdout.write(s) } });
      Nimbus.create({ conf, logger: log }).then(
        (n) => runUntilSignal(() => n.shutdown(), log),
        (err) => fail(err),
      );
    });
  program
    .command('supervisor')
    .description('run a supervisor daemon with worker slots supervisor.slots.ports')
    .option('-c, --c <key=value>', 'config, repeatable (e.g. -c supervisor.slots.ports=[6700,6701])', collectConfig)
    .option('--config <file>', 'config file (squall.yaml)')
    .action((opts: DaemonOptions) => {
      const conf = loadCliConfig(opts);
      const log = createLogger({
        component: 'supervisor',
        destination: { write: (s: string) => process.stdout.write(s) },
      });
      Supervisor.create({ conf, logger: log }).then(
        (s) => runUntilSignal(() => s.shutdown(), log),
        (err) => fail(err),
      );
    });
}
