import type { Command } from 'commander';
import type { ComponentSummary } from '@squall/stats';
import { componentSummaryFromProto } from '@squall/stats/wire';
import * as grpc from '@grpc/grpc-js';
import { NimbusService, RpcError, type NimbusClient, type pb } from '@squall/protocol';
import { collectConfig, loadCliConfig } from '../cli-config';
import { fail } from '../fail';
import { formatInt, table } from '../format';
import { MonitorRates, type MonitorReading } from '../monitor-rates';
import { callNimbus, connectNimbus } from '../nimbus-connection';
import { InterruptiblePoll } from '../interruptible-poll';

interface MonitorOptions {
  interval: string;
  count?: string;
  json?: boolean;
  config?: string;
  c?: string[];
  nimbus?: string;
}

function components(info: pb.TopologyInfo): Record<string, ComponentSummary> {
  const out: Record<string, ComponentSummary> = {};
  for (const c of info.components)
    out[c.component ?? ''] = componentSummaryFromProto(c.stats ?? {}, c.numExecutors ?? 0, c.numTasks ?? 0);
  return out;
}

function render(name: string, status: string, reading: MonitorReading): string {
  const rows = reading.components;
  const body = table(
    [
      'component',
      'kind',
      'executors',
      'emitted/s',
      'executed/s',
      'acked/s',
      'failed/s',
      'emitted',
      'acked',
      'latency ms',
      'capacity',
    ],
    Object.entries(rows).map(([id, r]) => [
      id,
      r.kind,
      String(r.executors),
      formatInt(r.emittedPerSec),
      formatInt(r.executedPerSec),
      formatInt(r.ackedPerSec),
      formatInt(r.failedPerSec),
      formatInt(r.emitted),
      formatInt(r.acked),
      (r.kind === 'spout' ? r.completeLatencyMs : r.processLatencyMs).toFixed(3),
      r.capacity.toFixed(3),
    ]),
  );
  const over = reading.newHeartbeat
    ? `rates over the last ${reading.intervalSecs.toFixed(1)}s`
    : `no new stats since the last reading: rates as of then, over ${reading.intervalSecs.toFixed(1)}s`;
  return `${name}: ${status}, ${over} (Ctrl-C stops)\n${body}\n`;
}

/**
 * `squall monitor <name>`: live per-component throughput, redrawn every interval (on a terminal) or appended (piped);
 * `--json` prints one JSON object per interval. Rates are differences of nimbus's exact all-time counters, which move
 * once per supervisor heartbeat (supervisor.heartbeat.frequency.secs), so intervals shorter than that read unevenly.
 */
export function registerMonitor(program: Command): void {
  program
    .command('monitor')
    .description('live per-component throughput of a topology, every --interval seconds, until Ctrl-C')
    .argument('<name>', 'topology name or id')
    .option('-i, --interval <secs>', 'seconds between readings', '5')
    .option('-n, --count <n>', 'stop after this many readings (default: until Ctrl-C)')
    .option('--json', 'one JSON object per interval: {time, topology, id, status, intervalSecs, components}')
    .option('--config <file>', 'config file (squall.yaml)')
    .option('-c, --c <key=value>', 'config, repeatable', collectConfig)
    .option('--nimbus <host:port>', 'nimbus to contact (default: nimbus.seeds)')
    .action((name: string, opts: MonitorOptions) => runMonitor(name, opts).catch((err) => fail(err)));
}

async function runMonitor(name: string, opts: MonitorOptions): Promise<void> {
  const interval = Number(opts.interval);
  if (!(interval > 0)) throw new Error(`--interval must be a positive number of seconds, got '${opts.interval}'`);
  const count = opts.count === undefined ? Infinity : Number(opts.count);
  if (!(count >= 1)) throw new Error(`--count must be a whole number >= 1, got '${opts.count}'`);
  const client: NimbusClient = await connectNimbus(loadCliConfig(opts), opts.nimbus);
  const poll = new InterruptiblePoll();
  const tty = process.stdout.isTTY && !opts.json;
  try {
    // Rates need two readings: the first only sets the base, so say when the first rates come instead of printing zeros.
    const rates = new MonitorRates(Math.max(3 * interval, 15));
    if (!opts.json) process.stderr.write(`squall: monitoring '${name}': first rates in ${interval}s (Ctrl-C stops)\n`);
    for (let printed = 0; printed < count && !poll.stopped;) {
      const info = await callNimbus(client, NimbusService.getTopologyInfo, { idOrName: name }, 15000).catch(
        (err: unknown) => {
          throw new Error(
            err instanceof RpcError && err.status === grpc.status.NOT_FOUND
              ? `no topology named '${name}'`
              : `nimbus did not answer: ${(err as Error).message}`,
          );
        },
      );
      const nowMs = Date.now();
      const reading = rates.next(components(info), nowMs);
      if (reading) {
        const status =
          ['UNSPECIFIED', 'ACTIVE', 'INACTIVE', 'REBALANCING', 'KILLED'][info.summary?.status ?? 0] ?? 'UNKNOWN';
        const topology = info.summary?.name ?? name;
        if (opts.json) {
          const line = {
            time: new Date(nowMs).toISOString(),
            topology,
            id: info.summary?.id ?? '',
            status,
            intervalSecs: reading.intervalSecs,
            newHeartbeat: reading.newHeartbeat,
            components: reading.components,
          };
          process.stdout.write(JSON.stringify(line) + '\n');
        } else process.stdout.write((tty ? '\x1b[H\x1b[2J' : '\n') + render(topology, status, reading));
        printed++;
      }
      if (printed < count && !poll.stopped) await poll.sleep(interval);
    }
  } finally {
    poll.dispose();
    client.close();
  }
}
