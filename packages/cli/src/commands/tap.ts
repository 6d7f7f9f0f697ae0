import type { Command } from 'commander';
import * as grpc from '@grpc/grpc-js';
import { SquallError } from '@squall/core';
import { namedTappedTuple, type NamedTappedTuple, type pb } from '@squall/protocol';
import { collectConfig, loadCliConfig } from '../cli-config';
import { fail } from '../fail';
import { connectNimbus } from '../nimbus-connection';

interface TapOptions {
  sample: string;
  maxRate?: string;
  limit?: string;
  filter?: string[];
  json?: boolean;
  config?: string;
  c?: string[];
  nimbus?: string;
}

/** One line of `squall tap --json`: the named tuple without its field list (the names are the values' keys). */
export type TapLineJson = Omit<NamedTappedTuple, 'fields'>;

/** `component[:stream]` split; either part may be empty. */
export function parseTapTarget(target: string | undefined): { component: string; stream: string } {
  if (!target) return { component: '', stream: '' };
  const i = target.indexOf(':');
  return i < 0 ? { component: target, stream: '' } : { component: target.slice(0, i), stream: target.slice(i + 1) };
}

/**
 * `FIELD=VALUE` filters.
 * @throws SquallError naming the malformed one
 */
export function parseTapFilters(filters: readonly string[]): Array<{ field: string; value: string }> {
  return filters.map((f) => {
    const i = f.indexOf('=');
    if (i <= 0) throw new SquallError('BAD_OPTION', `--filter must be FIELD=VALUE, got '${f}'`);
    return { field: f.slice(0, i), value: f.slice(i + 1) };
  });
}

/** A tapped tuple as a `--json` line's object. */
export function tapLineJson(t: pb.ITappedTuple): TapLineJson {
  const { fields: _fields, ...line } = namedTappedTuple(t);
  return line;
}

/** A tapped tuple for people: `<time> <component>[<task>] <stream> field=value ... (msgId <id>)`. */
export function tapLineHuman(t: pb.ITappedTuple): string {
  const j = tapLineJson(t);
  const values = Object.entries(j.values)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');
  return `${j.time} ${j.component}[${j.task}] ${j.stream}  ${values}${j.messageId !== undefined ? `  (msgId ${JSON.stringify(j.messageId)})` : ''}`;
}

/**
 * `squall tap <topology> [component[:stream]]`: live copies of the tuples a running topology emits, through nimbus
 * from the workers, until Ctrl-C or `--limit` tuples. Drops (a buffer on the way was full) and rate-capped tuples
 * (over `--max-rate` in a worker) are reported on stderr, apart.
 */
export function registerTap(program: Command): void {
  program
    .command('tap')
    .description('print live copies of the tuples a running topology emits (sampled, filtered) until Ctrl-C')
    .argument('<topology>', 'topology name or id')
    .argument('[target]', 'component[:stream] to tap (default: every component, every stream)')
    .option('-s, --sample <pct>', 'percentage of the matching tuples to show, in (0, 100]', '100')
    .option(
      '--max-rate <n>',
      "at most N tuples/s from each worker, after sampling; the rest are skipped and counted as rate-capped (default and most allowed: the topology's topology.tap.max.tuples.per.sec, 100 unless set)",
    )
    .option('-n, --limit <n>', 'stop after this many tuples')
    .option(
      '-f, --filter <field=value>',
      'only tuples whose field equals value (repeatable; all must hold)',
      collectConfig,
    )
    .option('--json', 'one JSON object per line: {time, timeMs, component, task, stream, worker, values, messageId?}')
    .option('--config <file>', 'config file (squall.yaml)')
    .option('-c, --c <key=value>', 'config, repeatable (e.g. -c nimbus.auth.token=...)', collectConfig)
    .option('--nimbus <host:port>', 'nimbus to contact (default: nimbus.seeds)')
    .action((topology: string, target: string | undefined, opts: TapOptions) =>
      runTap(topology, target, opts).catch((err) => fail(err)),
    );
}

async function runTap(topology: string, target: string | undefined, opts: TapOptions): Promise<void> {
  const sample = Number(opts.sample);
  if (!(sample > 0 && sample <= 100))
    throw new SquallError('BAD_OPTION', `--sample must be a percentage in (0, 100], got '${opts.sample}'`);
  const limit = opts.limit === undefined ? Infinity : Number(opts.limit);
  if (!(limit === Infinity || (Number.isInteger(limit) && limit > 0)))
    throw new SquallError('BAD_OPTION', `--limit must be a whole number > 0, got '${opts.limit}'`);
  const maxRate = opts.maxRate === undefined ? 0 : Number(opts.maxRate);
  if (opts.maxRate !== undefined && !(Number.isInteger(maxRate) && maxRate > 0 && maxRate <= 0xffffffff))
    throw new SquallError(
      'BAD_OPTION',
      `--max-rate must be a whole number of tuples per second > 0, got '${opts.maxRate}'`,
    );
  const { component, stream } = parseTapTarget(target);
  const filters = parseTapFilters(opts.filter ?? []);
  const conf = loadCliConfig(opts);
  const client = await connectNimbus(conf, opts.nimbus);
  const call = client.tap({
    topology,
    spec: { component, stream, samplePct: sample, filters, maxTuplesPerSec: maxRate },
  });
  let shown = 0;
  let dropped = 0;
  let reportedDrops = 0;
  let rateCapped = 0;
  let reportedCapped = 0;
  let cap = 0;
  let workers: string[] = [];
  let cancelled = false;
  const stop = () => {
    if (cancelled) return;
    cancelled = true;
    call.cancel();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Drops are told at most once a second, so a flood of them does not flood the terminal.
  const dropReport = setInterval(() => {
    if (dropped > reportedDrops) {
      process.stderr.write(
        `squall: ${dropped} tuple(s) dropped so far (the tap could not keep up; try --sample or --filter)\n`,
      );
      reportedDrops = dropped;
    }
    if (rateCapped > reportedCapped) {
      process.stderr.write(
        `squall: ${rateCapped} tuple(s) rate-capped so far (over ${cap} tuples/s in a worker; try --sample or --filter)\n`,
      );
      reportedCapped = rateCapped;
    }
  }, 1000);
  try {
    await new Promise<void>((resolve, reject) => {
      call.on('data', (m: pb.TapEvents) => {
        dropped = Math.max(dropped, Number(m.dropped));
        rateCapped = Math.max(rateCapped, Number(m.rateCapped));
        if (m.maxTuplesPerSec > 0) cap = m.maxTuplesPerSec;
        if (m.workers.length > 0 && m.workers.join(',') !== workers.join(',')) {
          workers = m.workers;
          process.stderr.write(
            `squall: tapping ${component || 'every component'}${stream ? `:${stream}` : ''} of '${topology}' on ${workers.length} worker(s): ${workers.join(', ')}; ${cap > 0 ? `at most ${cap} tuples/s per worker` : 'no rate cap'}\n`,
          );
        }
        for (const n of m.notices) process.stderr.write(`squall: ${n}\n`);
        for (const t of m.tuples) {
          if (shown >= limit) break;
          if (!t.worker) t.worker = m.worker;
          process.stdout.write((opts.json ? JSON.stringify(tapLineJson(t)) : tapLineHuman(t)) + '\n');
          shown++;
        }
        if (shown >= limit) stop();
      });
      call.on('error', (err: grpc.ServiceError) => {
        if (err.code === grpc.status.CANCELLED && cancelled) resolve();
        else reject(new SquallError(grpc.status[err.code] ?? 'TAP', err.details || err.message));
      });
      call.on('end', () => resolve());
    });
  } finally {
    clearInterval(dropReport);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    client.close();
  }
  process.stderr.write(`squall: tap ended: ${shown} tuple(s) shown, ${dropped} dropped, ${rateCapped} rate-capped\n`);
}
