import type { Command } from 'commander';
import { SquallError } from '@squall/core';
import * as grpc from '@grpc/grpc-js';
import { NimbusService, RpcError, type NimbusClient, type pb } from '@squall/protocol';
import { collectConfig, loadCliConfig } from '../cli-config';
import { fail } from '../fail';
import { callNimbus, connectNimbus } from '../nimbus-connection';
import { InterruptiblePoll } from '../interruptible-poll';

interface LogsOptions {
  follow?: boolean;
  lines: string;
  interval: string;
  json?: boolean;
  config?: string;
  c?: string[];
  nimbus?: string;
}

/** One line of `squall logs --json`. */
export interface LogLineJson {
  /** "host:port" of the worker. */
  worker: string;
  host: string;
  port: number;
  supervisorId: string;
  /** The line as the worker wrote it. */
  line: string;
  /** The line parsed, when it is a JSON object (Squall's pino log lines are). */
  record?: Record<string, unknown>;
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

function parseRecord(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(line) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A log line for people: `<worker> <time> <LEVEL> <component>[<task>] <message>` for Squall's JSON lines (with the
 * error's message when there is one), `<worker> <line>` for anything else.
 */
export function humanLine(worker: string, line: string): string {
  const rec = parseRecord(line);
  if (!rec || typeof rec.msg !== 'string') return `${worker} ${line}`;
  const time = typeof rec.time === 'number' ? new Date(rec.time).toISOString() : '';
  const level = (typeof rec.level === 'number' ? LEVELS[rec.level] : undefined) ?? String(rec.level ?? '');
  const who =
    typeof rec.component === 'string' ? `${rec.component}${typeof rec.task === 'number' ? `[${rec.task}]` : ''} ` : '';
  const err = rec.err as { message?: unknown } | undefined;
  const detail = err && typeof err.message === 'string' && !rec.msg.includes(err.message) ? `: ${err.message}` : '';
  return `${worker} ${time} ${level.padEnd(5)} ${who}${rec.msg}${detail}`;
}

const workerKey = (w: pb.IWorkerLogLines) => `${w.supervisorId}|${w.port}`;

/**
 * `squall logs <topology> [component] [-f]`: the workers' logs, read by nimbus from their supervisors (the job of
 * streamparse's `sparse tail`, without SSH). Without `-f`, the last `--lines` lines of each worker; with `-f`, then
 * every new line, polling every `--interval` seconds with per-worker offsets, workers that appear (rebalance,
 * reassignment) from their first line, until Ctrl-C.
 */
export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description("print (and with -f follow) a topology's worker logs, read through nimbus from the supervisors")
    .argument('<topology>', 'topology name or id')
    .argument('[component]', "only workers running this component, and of Squall's JSON lines only this component's")
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('-n, --lines <n>', 'lines of each worker to show first (the end of its log)', '20')
    .option('-i, --interval <secs>', 'seconds between polls with -f', '1')
    .option('--json', 'one JSON object per line: {worker, host, port, supervisorId, line, record?}')
    .option('--config <file>', 'config file (squall.yaml)')
    .option('-c, --c <key=value>', 'config, repeatable (e.g. -c nimbus.auth.token=...)', collectConfig)
    .option('--nimbus <host:port>', 'nimbus to contact (default: nimbus.seeds)')
    .action((topology: string, component: string | undefined, opts: LogsOptions) =>
      runLogs(topology, component ?? '', opts).catch((err) => fail(err)),
    );
}

async function runLogs(topology: string, component: string, opts: LogsOptions): Promise<void> {
  const lines = Number(opts.lines);
  if (!(Number.isInteger(lines) && lines >= 0))
    throw new SquallError('BAD_OPTION', `--lines must be a whole number >= 0, got '${opts.lines}'`);
  const interval = Number(opts.interval);
  if (!(interval > 0))
    throw new SquallError('BAD_OPTION', `--interval must be a positive number of seconds, got '${opts.interval}'`);
  const conf = loadCliConfig(opts);
  let client: NimbusClient = await connectNimbus(conf, opts.nimbus);
  const poll = new InterruptiblePoll();
  const positions = new Map<string, pb.IWorkerLogPosition>();
  const warned = new Set<string>();
  const print = (w: pb.IWorkerLogLines, shown: string[]) => {
    const worker = `${w.host}:${w.port}`;
    for (const line of shown) {
      if (opts.json) {
        const rec = parseRecord(line);
        const out: LogLineJson = {
          worker,
          host: w.host ?? '',
          port: w.port ?? 0,
          supervisorId: w.supervisorId ?? '',
          line,
          ...(rec ? { record: rec } : {}),
        };
        process.stdout.write(JSON.stringify(out) + '\n');
      } else process.stdout.write(humanLine(worker, line) + '\n');
    }
  };
  try {
    for (let first = true; !poll.stopped; first = false) {
      let res: pb.GetTopologyLogsResponse;
      try {
        res = await callNimbus(
          client,
          NimbusService.getTopologyLogs,
          // After the first answer, a worker not seen before is new: read it from its start.
          { topology, component, positions: [...positions.values()], ...(first ? {} : { start: 0 }) },
        );
      } catch (err) {
        const status = err instanceof RpcError ? err.status : undefined;
        const message = err instanceof Error ? err.message : String(err);
        // NOT_FOUND, INVALID_ARGUMENT, UNAUTHENTICATED: asking again will not help.
        if (
          first ||
          !opts.follow ||
          status === grpc.status.NOT_FOUND ||
          status === grpc.status.INVALID_ARGUMENT ||
          status === grpc.status.UNAUTHENTICATED
        ) {
          if (!first && status === grpc.status.NOT_FOUND)
            return void process.stderr.write(`squall: topology '${topology}' is no longer running\n`);
          throw new SquallError(
            'LOGS',
            status === grpc.status.UNIMPLEMENTED
              ? `this nimbus does not serve logs (GetTopologyLogs); upgrade it: ${message}`
              : message,
          );
        }
        // Leader change or a blip: reconnect and retry on the next poll.
        process.stderr.write(`squall: nimbus did not answer (${message}); retrying\n`);
        client.close();
        client = await connectNimbus(conf, opts.nimbus).catch(() => client);
        await poll.sleep(interval);
        continue;
      }
      const seen = new Set<string>();
      for (const w of res.workers) {
        const key = workerKey(w);
        seen.add(key);
        if (w.error) {
          if (!warned.has(key)) process.stderr.write(`squall: worker ${w.host}:${w.port}: ${w.error}\n`);
          warned.add(key);
          continue;
        }
        warned.delete(key);
        positions.set(key, {
          supervisorId: w.supervisorId ?? '',
          port: w.port ?? 0,
          offset: Number(w.nextOffset ?? 0),
        });
        const got = w.lines ?? [];
        print(w, first ? got.slice(Math.max(0, got.length - lines)) : got);
      }
      for (const key of positions.keys()) if (!seen.has(key)) positions.delete(key);
      if (first && res.workers.length === 0)
        process.stderr.write(
          `squall: topology '${res.topologyName}' has no workers${component ? ` running '${component}'` : ''} yet\n`,
        );
      if (!opts.follow) return;
      // A worker whose log grew by more than one read is read on at once (more than a line still being written is
      // left); otherwise wait for the next poll.
      const behind = res.workers.some((w) => !w.error && Number(w.fileSize) - Number(w.nextOffset) > 64 * 1024);
      if (!behind) await poll.sleep(interval);
    }
  } finally {
    poll.dispose();
    client.close();
  }
}
