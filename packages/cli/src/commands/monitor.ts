import type { Command } from 'commander';
import { componentSummaryFromProto, type ComponentSummary } from '@squall/engine';
import { NimbusService, unaryCall, type NimbusClient, type pb } from '@squall/protocol';
import { collectConfig, loadCliConfig } from '../cli-config';
import { fail } from '../fail';
import { formatInt, table } from '../format';
import { connectNimbus } from '../nimbus-connection';

interface MonitorOptions {
  interval: string;
  count?: string;
  json?: boolean;
  config?: string;
  c?: string[];
  nimbus?: string;
}

/** One component's line of `squall monitor --json`. */
export interface MonitorComponent {
  kind: ComponentSummary['kind'];
  executors: number;
  emitted: number;
  executed: number;
  acked: number;
  failed: number;
  /** Per second over the last interval. */
  emittedPerSec: number;
  executedPerSec: number;
  ackedPerSec: number;
  failedPerSec: number;
  completeLatencyMs: number;
  processLatencyMs: number;
  executeLatencyMs: number;
  capacity: number;
}

function components(info: pb.TopologyInfo): Record<string, ComponentSummary> {
  const out: Record<string, ComponentSummary> = {};
  for (const c of info.components) out[c.component ?? ''] = componentSummaryFromProto(c.stats ?? {}, c.numExecutors ?? 0, c.numTasks ?? 0);
  return out;
}

/** Rates between two all-time readings `secs` apart (a counter that went down, after a nimbus failover, reads 0/s). */
export function monitorRows(now: Record<string, ComponentSummary>, before: Record<string, ComponentSummary> | undefined, secs: number): Record<string, MonitorComponent> {
  const out: Record<string, MonitorComponent> = {};
  const rate = (a: number, b: number | undefined) => (before && secs > 0 && b !== undefined ? Math.max(0, (a - b) / secs) : 0);
  for (const [id, c] of Object.entries(now)) {
    const p = before?.[id];
    out[id] = {
      kind: c.kind,
      executors: c.executors,
      emitted: c.emitted,
      executed: c.executed,
      acked: c.acked,
      failed: c.failed,
      emittedPerSec: rate(c.emitted, p?.emitted ?? 0),
      executedPerSec: rate(c.executed, p?.executed ?? 0),
      ackedPerSec: rate(c.acked, p?.acked ?? 0),
      failedPerSec: rate(c.failed, p?.failed ?? 0),
      completeLatencyMs: c.completeLatencyMs,
      processLatencyMs: c.processLatencyMs,
      executeLatencyMs: c.executeLatencyMs,
      capacity: c.capacity,
    };
  }
  return out;
}

function render(name: string, status: string, rows: Record<string, MonitorComponent>, intervalSecs: number): string {
  const body = table(
    ['component', 'kind', 'executors', 'emitted/s', 'executed/s', 'acked/s', 'failed/s', 'emitted', 'acked', 'latency ms', 'capacity'],
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
  return `${name}: ${status}, rates over the last ${intervalSecs.toFixed(1)}s (Ctrl-C stops)\n${body}\n`;
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
  let stopped = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    stopped = true;
    wake?.();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const tty = process.stdout.isTTY && !opts.json;
  try {
    let before: Record<string, ComponentSummary> | undefined;
    let beforeMs = 0;
    for (let i = 0; i < count && !stopped; i++) {
      const info = await unaryCall(client, NimbusService.getTopologyInfo, { idOrName: name }, { deadline: Date.now() + 15000 }).catch((err: { details?: string; message?: string; code?: number }) => {
        throw new Error(err.code === 5 ? `no topology named '${name}'` : `nimbus did not answer: ${err.details || err.message}`);
      });
      const nowMs = Date.now();
      const now = components(info);
      const secs = before ? (nowMs - beforeMs) / 1000 : 0;
      const rows = monitorRows(now, before, secs);
      const status = ['UNSPECIFIED', 'ACTIVE', 'INACTIVE', 'REBALANCING', 'KILLED'][info.summary?.status ?? 0] ?? 'UNKNOWN';
      if (opts.json) process.stdout.write(JSON.stringify({ time: new Date(nowMs).toISOString(), topology: info.summary?.name ?? name, id: info.summary?.id ?? '', status, intervalSecs: secs, components: rows }) + '\n');
      else process.stdout.write((tty ? '\x1b[H\x1b[2J' : '\n') + render(info.summary?.name ?? name, status, rows, secs));
      before = now;
      beforeMs = nowMs;
      if (i + 1 < count && !stopped) await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, interval * 1000);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    client.close();
  }
}
