import type { Command } from 'commander';
import type { ComponentSummary } from '@squall/stats';
import { componentSummaryFromProto } from '@squall/stats/wire';
import { NimbusService, pb } from '@squall/protocol';
import { collectConfig, loadCliConfig } from '../cli-config';
import { fail } from '../fail';
import { componentTable, table } from '../format';
import { callNimbus, connectNimbus } from '../nimbus-connection';
import { statusName } from './topology-commands';

/** The JSON of `squall stats --json`: component fields match `squall local --json`. */
export function statsJson(info: pb.TopologyInfo) {
  const components: Record<string, ComponentSummary> = {};
  for (const c of info.components)
    components[c.component ?? ''] = componentSummaryFromProto(c.stats ?? {}, c.numExecutors ?? 0, c.numTasks ?? 0);
  return {
    topology: info.summary?.name ?? '',
    id: info.summary?.id ?? '',
    status: statusName(info.summary?.status),
    uptimeSecs: Number(info.summary?.uptimeSecs ?? 0),
    components,
    workers: info.workers.map((w) => ({
      host: w.host,
      port: w.port,
      supervisorId: w.supervisorId,
      status: (pb.WorkerStatus[w.status ?? 0] ?? '').replace('WORKER_STATUS_', ''),
      uptimeSecs: Number(w.uptimeSecs),
      components: w.components ?? [],
      executors: (w.executors ?? []).map((e) => [e.taskStart, e.taskEnd]),
    })),
    errors: info.errors.map((e) => ({
      component: e.component,
      task: e.task,
      timeMs: Number(e.timeMs),
      host: e.host,
      port: e.port,
      message: e.error,
    })),
  };
}

/** `squall stats <name>`: per-component counters and latencies, worker placement, last errors. */
export function registerStats(program: Command): void {
  program
    .command('stats')
    .description('per-component counters and latencies, worker placement and last errors of a topology')
    .argument('<name>', 'topology name or id')
    .option('--json', 'one JSON object (component fields as in `squall local --json`)')
    .option('--config <file>', 'config file (squall.yaml)')
    .option('-c, --c <key=value>', 'config, repeatable', collectConfig)
    .option('--nimbus <host:port>', 'nimbus to contact (default: nimbus.seeds)')
    .action((name: string, opts: { json?: boolean; config?: string; c?: string[]; nimbus?: string }) =>
      (async () => {
        const client = await connectNimbus(loadCliConfig(opts), opts.nimbus);
        try {
          const info = await callNimbus(client, NimbusService.getTopologyInfo, { idOrName: name });
          const out = statsJson(info);
          if (opts.json) return void process.stdout.write(JSON.stringify(out) + '\n');
          process.stdout.write(
            `${out.topology} (${out.id}): ${out.status}, up ${out.uptimeSecs}s, ${out.workers.length} worker(s)\n\n`,
          );
          process.stdout.write(componentTable(out.components) + '\n\nworkers:\n');
          process.stdout.write(
            table(
              ['worker', 'status', 'uptime', 'components'],
              out.workers.map((w) => [`${w.host}:${w.port}`, w.status, `${w.uptimeSecs}s`, w.components.join(', ')]),
            ) + '\n',
          );
          if (out.errors.length > 0) {
            process.stdout.write('\nlast errors:\n');
            for (const e of out.errors.slice(0, 10))
              process.stdout.write(
                `  ${new Date(e.timeMs).toISOString()} ${e.component}[${e.task}] on ${e.host}:${e.port}: ${e.message}\n`,
              );
          }
        } finally {
          client.close();
        }
      })().catch((err) => fail(err)),
    );
}
