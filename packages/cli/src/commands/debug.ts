import type { Command } from 'commander';
import { SquallError } from '@squall/core';
import { NimbusService, unaryCall } from '@squall/protocol';
import { collectConfig, loadCliConfig } from '../cli-config';
import { fail } from '../fail';
import { connectNimbus } from '../nimbus-connection';

interface DebugOptions {
  enable?: boolean;
  disable?: boolean;
  sample?: string;
  json?: boolean;
  config?: string;
  c?: string[];
  nimbus?: string;
}

/** Sampling percentage of `squall debug --enable` without `--sample`. */
export const DEFAULT_DEBUG_SAMPLE_PCT = 10;

/** What `squall debug --json` prints. */
export interface DebugResultJson {
  topologyId: string;
  /** The component switched; absent for the whole topology. */
  component?: string;
  debug: boolean;
  /** Percentage of emits logged while on; 0 when off. */
  samplingPct: number;
}

/**
 * The request `squall debug` sends, from its options.
 * @throws SquallError when neither or both of --enable and --disable are given, or the percentage is not in (0, 100]
 */
export function debugRequest(opts: Pick<DebugOptions, 'enable' | 'disable' | 'sample'>): {
  enable: boolean;
  samplingPct: number;
} {
  if (Boolean(opts.enable) === Boolean(opts.disable))
    throw new SquallError('BAD_OPTION', 'give exactly one of --enable and --disable');
  if (opts.disable) {
    if (opts.sample !== undefined)
      throw new SquallError(
        'BAD_OPTION',
        '--sample goes with --enable (the percentage of emits logged), not --disable',
      );
    return { enable: false, samplingPct: 0 };
  }
  const text = opts.sample ?? String(DEFAULT_DEBUG_SAMPLE_PCT);
  const pct = Number(text);
  if (!(/^\d+(\.\d+)?$/.test(text) && pct > 0 && pct <= 100))
    throw new SquallError('BAD_OPTION', `--sample must be a percentage in (0, 100], got '${text}'`);
  return { enable: true, samplingPct: pct };
}

/**
 * `squall debug <topology> [component] --enable [--sample PCT] | --disable`: Storm's debug switch (the UI's "Debug"
 * action, Nimbus.debug), for the whole topology or one component. While on, that percentage of the emits is written
 * to the workers' logs as event-log lines (`"eventLog": true`); turning the topology's switch off turns every
 * component's off, as in Storm.
 */
export function registerDebug(program: Command): void {
  program
    .command('debug')
    .description(
      "switch Storm's debug sampling of a running topology (or one component) on or off: sampled emits go to the workers' logs",
    )
    .argument('<topology>', 'topology name or id')
    .argument('[component]', 'component to switch (default: the whole topology)')
    .option('-e, --enable', 'turn debug sampling on')
    .option('-d, --disable', 'turn it off (for the whole topology: every component too)')
    .option(
      '-s, --sample <pct>',
      `percentage of the emits logged while on, in (0, 100] (default ${DEFAULT_DEBUG_SAMPLE_PCT})`,
    )
    .option('--json', 'print {topologyId, component?, debug, samplingPct} as JSON')
    .option('--config <file>', 'config file (squall.yaml)')
    .option('-c, --c <key=value>', 'config, repeatable (e.g. -c nimbus.auth.token=...)', collectConfig)
    .option('--nimbus <host:port>', 'nimbus to contact (default: nimbus.seeds)')
    .action((topology: string, component: string | undefined, opts: DebugOptions) =>
      runDebug(topology, component ?? '', opts).catch((err) => fail(err)),
    );
}

async function runDebug(topology: string, component: string, opts: DebugOptions): Promise<void> {
  const { enable, samplingPct } = debugRequest(opts);
  const conf = loadCliConfig(opts);
  const client = await connectNimbus(conf, opts.nimbus);
  try {
    const res = await unaryCall(
      client,
      NimbusService.setDebug,
      { topology, component, enable, samplingPct },
      { deadline: Date.now() + 30000 },
    ).catch((err: { details?: string; message?: string }) => {
      throw new SquallError('DEBUG', err.details || err.message || String(err));
    });
    const out: DebugResultJson = {
      topologyId: res.topologyId,
      ...(component ? { component } : {}),
      debug: enable,
      samplingPct,
    };
    if (opts.json) process.stdout.write(JSON.stringify(out) + '\n');
    else {
      const what = component ? `component '${component}'` : 'the whole topology';
      process.stdout.write(
        `${res.topologyId}: debug ${enable ? `on for ${what}: ${samplingPct}% of its emits go to the workers' logs as event-log lines` : `off for ${what}`}\n`,
      );
    }
  } finally {
    client.close();
  }
}
