import type { Command } from 'commander';
import { createLogger } from '@squall/core';
import { startUi } from '@squall/ui';
import { collectConfig, loadCliConfig } from '../cli-config';
import { fail } from '../fail';
import { runUntilSignal } from '../run-until-signal';

interface UiOptions {
  c?: string[];
  config?: string;
  port?: string;
}

/** `squall ui`: the UI daemon (REST API, web app, /metrics) in the foreground, pino JSON logs on stdout. */
export function registerUi(program: Command): void {
  program
    .command('ui')
    .description(
      'run the UI daemon: Storm UI REST API under /api/v1, the web app, Prometheus /metrics (ui.host:ui.port)',
    )
    .option('-c, --c <key=value>', 'config, repeatable (e.g. -c nimbus.seeds=["nimbus1:6627"])', collectConfig)
    .option('--config <file>', 'config file (squall.yaml)')
    .option('--port <n>', 'port to listen on (ui.port, default 8080; 0 picks a free one)')
    .action((opts: UiOptions) => {
      const conf = loadCliConfig(opts);
      if (opts.port !== undefined) {
        if (!/^\d+$/.test(opts.port) || Number(opts.port) > 65535)
          fail(new Error(`--port must be a port number, got '${opts.port}'`));
        conf['ui.port'] = Number(opts.port);
      }
      const log = createLogger({ component: 'ui', destination: { write: (s: string) => process.stdout.write(s) } });
      startUi(conf, log).then(
        (ui) => runUntilSignal(() => ui.shutdown(), log),
        (err: unknown) => fail(err),
      );
    });
}
