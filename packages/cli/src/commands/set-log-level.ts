import type { Command } from 'commander';
import { SquallError } from '@squall/core';
import { NimbusService, unaryCall, type pb } from '@squall/protocol';
import { collectConfig, loadCliConfig } from '../cli-config';
import { fail } from '../fail';
import { connectNimbus } from '../nimbus-connection';

interface SetLogLevelOptions {
  l?: string[];
  r?: string[];
  json?: boolean;
  config?: string;
  c?: string[];
  nimbus?: string;
}

/** Pino's levels, and Storm's (log4j) names of them. */
const LEVEL_NAMES: Record<string, string> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  fatal: 'fatal',
  silent: 'silent',
  off: 'silent',
  all: 'trace',
};

/**
 * One `-l LOGGER=LEVEL[:TIMEOUT_SECS]`.
 * @throws SquallError naming the malformed setting
 */
export function parseLogLevelSetting(text: string): pb.ILogLevelSetting {
  const m = /^([^=]+)=([A-Za-z]+)(?::(\d+))?$/.exec(text);
  if (!m)
    throw new SquallError(
      'BAD_OPTION',
      `-l must be LOGGER=LEVEL[:TIMEOUT_SECS] (e.g. -l count=debug:60 or -l ROOT=warn), got '${text}'`,
    );
  const level = LEVEL_NAMES[m[2]!.toLowerCase()];
  if (!level)
    throw new SquallError(
      'BAD_OPTION',
      `-l ${text}: '${m[2]}' is not a log level (trace, debug, info, warn, error, fatal, silent)`,
    );
  return { logger: m[1]!, level, timeoutSecs: m[3] === undefined ? 0 : Number(m[3]) };
}

/**
 * `squall set-log-level <topology> -l LOGGER=LEVEL[:TIMEOUT_SECS] ... -r LOGGER`: Storm's set_log_level. LOGGER is a
 * component id or ROOT (every component and the workers' own lines); the level changes in every worker at once and
 * reverts after the timeout; -r resets a logger at once.
 */
export function registerSetLogLevel(program: Command): void {
  program
    .command('set-log-level')
    .description("change the log level of a running topology's components in every worker (reverting after a timeout)")
    .argument('<topology>', 'topology name or id')
    .option(
      '-l, --l <logger=level[:timeout]>',
      'set LOGGER (a component, or ROOT) to LEVEL, for TIMEOUT seconds if given; repeatable',
      collectConfig,
    )
    .option('-r, --r <logger>', 'reset LOGGER to its configured level; repeatable', collectConfig)
    .option('--json', 'print {topologyId, set, reset} as JSON')
    .option('--config <file>', 'config file (squall.yaml)')
    .option('-c, --c <key=value>', 'config, repeatable (e.g. -c nimbus.auth.token=...)', collectConfig)
    .option('--nimbus <host:port>', 'nimbus to contact (default: nimbus.seeds)')
    .action((topology: string, opts: SetLogLevelOptions) => runSetLogLevel(topology, opts).catch((err) => fail(err)));
}

async function runSetLogLevel(topology: string, opts: SetLogLevelOptions): Promise<void> {
  const set = (opts.l ?? []).map(parseLogLevelSetting);
  const reset = opts.r ?? [];
  if (set.length === 0 && reset.length === 0)
    throw new SquallError('BAD_OPTION', 'nothing to change: give -l LOGGER=LEVEL[:TIMEOUT_SECS] or -r LOGGER');
  const conf = loadCliConfig(opts);
  const client = await connectNimbus(conf, opts.nimbus);
  try {
    const res = await unaryCall(
      client,
      NimbusService.setLogLevel,
      { topology, set, reset },
      { deadline: Date.now() + 30000 },
    ).catch((err: { details?: string; message?: string }) => {
      throw new SquallError('SET_LOG_LEVEL', err.details || err.message || String(err));
    });
    if (opts.json) process.stdout.write(JSON.stringify({ topologyId: res.topologyId, set, reset }) + '\n');
    else {
      for (const s of set)
        process.stdout.write(
          `${res.topologyId}: ${s.logger} set to ${s.level}${s.timeoutSecs ? ` for ${s.timeoutSecs}s` : ''}\n`,
        );
      for (const r of reset) process.stdout.write(`${res.topologyId}: ${r} reset\n`);
    }
  } finally {
    client.close();
  }
}
