import path from 'node:path';
import type { Command } from 'commander';
import { createLogger } from '@squall/core';
import { LocalCluster } from '@squall/local';
import { loadTopology } from '@squall/packager';
import type { ComponentSummary } from '@squall/stats';
import { collectConfig, loadCliConfig } from '../cli-config';
import { componentTable, liveLine } from '../format';
import { startLocalTaps } from './local-tap';
import { fail } from '../fail';
import { CLI_TOPOLOGY_LOADERS } from '../topology-loaders';

interface LocalOptions {
  duration?: string;
  c?: string[];
  config?: string;
  json?: boolean;
  name?: string;
  interval: string;
  logLevel?: string;
  logFile?: string;
  realStreamparse?: boolean;
  typecheck: boolean;
  tap?: string[];
  tapSample: string;
  tapMaxRate?: string;
}

/** `squall local <topology>`: runs a topology in this process until --duration or Ctrl-C. */
export function registerLocal(program: Command): void {
  program
    .command('local')
    .description('run a topology in-process (no ZooKeeper): prints live throughput, then per-component counters')
    .argument(
      '<topology>',
      'topology module (.ts/.js/.yaml), a directory holding one, or a streamparse project directory',
    )
    .option('-d, --duration <seconds>', 'stop after this many seconds (default: run until Ctrl-C)')
    .option('-c, --c <key=value>', 'topology config, repeatable (e.g. -c topology.workers=2)', collectConfig)
    .option('--config <file>', 'config file (squall.yaml)')
    .option(
      '-n, --name <name>',
      'topology name (default: the one it declares); in a streamparse project, which topologies/<name>.py',
    )
    .option(
      '--real-streamparse',
      "streamparse project: install the streamparse/pystorm its requirements name instead of using Squall's stand-ins",
    )
    .option('-i, --interval <seconds>', 'seconds between live lines', '2')
    .option(
      '--no-typecheck',
      'do not type-check a TypeScript topology (the check runs alongside the topology and stops it on errors)',
    )
    .option('--json', 'print one JSON object with the final counters on stdout')
    .option('--log-level <level>', 'component log level (trace, debug, info, warn, error, silent)')
    .option('--log-file <file>', "component logs (pino JSON): a file, or '-' for stderr (default: logs/<name>.log)")
    .option(
      '--tap <component[:stream]>',
      'print copies of the tuples this component (stream) emits, repeatable',
      collectConfig,
    )
    .option('--tap-sample <pct>', 'percentage of the tapped tuples to print', '100')
    .option(
      '--tap-max-rate <n>',
      'at most N tapped tuples/s per tap; the rest are counted as rate-capped (default and most allowed: topology.tap.max.tuples.per.sec)',
    )
    .action((target: string, opts: LocalOptions) => runLocal(target, opts).catch((err) => fail(err)));
}

async function runLocal(target: string, opts: LocalOptions): Promise<void> {
  const duration = opts.duration === undefined ? undefined : Number(opts.duration);
  if (duration !== undefined && !(duration > 0))
    throw new Error(`--duration must be a positive number of seconds, got '${opts.duration}'`);
  const interval = Number(opts.interval);
  if (!(interval > 0)) throw new Error(`--interval must be a positive number of seconds, got '${opts.interval}'`);
  const conf = loadCliConfig(opts);
  const { topology, dir, project, typeErrors } = await loadTopology(target, process.cwd(), {
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    typeCheck: opts.typecheck,
    onProgress: (line) => process.stderr.write(line + '\n'),
    flags: { 'real-streamparse': opts.realStreamparse === true },
    loaders: CLI_TOPOLOGY_LOADERS,
  });
  // A project's Python virtualenv: children inherit this process's environment.
  if (project?.localEnvironment) Object.assign(process.env, await project.localEnvironment());
  const name = opts.name ?? topology.name;
  // Components may log per tuple (the seed logs every 1,000 words): by default keep that out of the terminal.
  const logFile = opts.logFile ?? path.join('logs', `${name}.log`);
  const logger = createLogger({
    ...(opts.logLevel ? { level: opts.logLevel } : {}),
    ...(logFile !== '-' ? { destination: logFile } : {}),
  });
  const cluster = await LocalCluster.create({ logger, resourcesDir: dir });
  const running = await cluster.submitTopology(name, conf, topology);
  const out = (line: string) => (opts.json ? process.stderr : process.stdout).write(line + '\n');
  // Added before the first scheduler pass (submit resolves before it runs): no emit is missed.
  const taps = opts.tap
    ? startLocalTaps(
        running.runtime,
        opts.tap,
        Number(opts.tapSample),
        out,
        opts.tapMaxRate === undefined ? 0 : Number(opts.tapMaxRate),
      )
    : undefined;
  out(`squall: running topology '${name}' locally${duration ? ` for ${duration}s` : ''} (Ctrl-C to stop)`);
  if (logFile !== '-') out(`squall: component logs go to ${logFile}`);

  let typeError: Error | undefined;
  let before: Record<string, ComponentSummary> = {};
  const ticker = setInterval(() => {
    const now = running.stats(true);
    out(liveLine(running.uptimeSecs, now, before, interval));
    before = now;
  }, interval * 1000);

  await new Promise<void>((resolve) => {
    const timer = duration ? setTimeout(resolve, duration * 1000) : undefined;
    const onSignal = () => {
      if (timer) clearTimeout(timer);
      // A second Ctrl-C while draining exits at once.
      process.once('SIGINT', () => process.exit(130));
      resolve();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    // The type check runs while the topology does (starting it waits for nothing): its errors stop the run.
    void typeErrors?.then((err) => {
      if (!err) return;
      if (timer) clearTimeout(timer);
      typeError = err;
      resolve();
    });
  });
  clearInterval(ticker);
  if (typeError) {
    await cluster.killTopology(name, 0);
    logger.flush();
    fail(typeError);
  }
  const uptimeSecs = running.uptimeSecs;
  await cluster.killTopology(name, 1);
  taps?.stop();
  const components = running.stats();
  const errors = running.errors();
  if (opts.json) {
    process.stdout.write(
      JSON.stringify({ topology: name, uptimeSecs: Math.round(uptimeSecs * 1000) / 1000, components, errors }) + '\n',
    );
  } else {
    out(`\nsquall: stopped '${name}' after ${uptimeSecs.toFixed(1)}s`);
    out(componentTable(components));
    if (errors.length > 0) {
      out(`\nlast errors:`);
      for (const e of errors.slice(-10))
        out(`  ${new Date(e.timeMs).toISOString()} ${e.component}[${e.task}]: ${e.message}`);
    }
  }
  logger.flush();
  // A check still running when the topology stopped (a short --duration) decides the exit code all the same.
  const late = await typeErrors;
  if (late) fail(late);
}
