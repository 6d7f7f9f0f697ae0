import type { Command } from 'commander';
import { NimbusService, pb } from '@squall/protocol';
import { topologyStatusName } from '@squall/stats/wire';
import { collectConfig, loadCliConfig } from '../cli-config';
import { fail } from '../fail';
import { table } from '../format';
import { callNimbus, connectNimbus } from '../nimbus-connection';

interface ClientOptions {
  config?: string;
  nimbus?: string;
  c?: string[];
  json?: boolean;
}

const withClient = async <T>(
  opts: ClientOptions,
  fn: (client: Awaited<ReturnType<typeof connectNimbus>>) => Promise<T>,
): Promise<T> => {
  const client = await connectNimbus(loadCliConfig(opts), opts.nimbus);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
};

/** Status enum → Storm's name. */
export function statusName(s: pb.TopologyStatus | null | undefined): string {
  return topologyStatusName(s);
}

function common(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'config file (squall.yaml)')
    .option('-c, --c <key=value>', 'config, repeatable (e.g. -c nimbus.auth.token=...)', collectConfig)
    .option('--nimbus <host:port>', 'nimbus to contact (default: nimbus.seeds)');
}

/** `squall list | kill | activate | deactivate | rebalance`. */
export function registerTopologyCommands(program: Command): void {
  common(program.command('list').description('list topologies').option('--json', 'JSON output')).action(
    (opts: ClientOptions) =>
      withClient(opts, async (client) => {
        const res = await callNimbus(client, NimbusService.listTopologies, {});
        const rows = res.topologies.map((t) => ({
          id: t.id ?? '',
          name: t.name ?? '',
          status: statusName(t.status),
          uptimeSecs: Number(t.uptimeSecs),
          workers: t.numWorkers,
          executors: t.numExecutors,
          tasks: t.numTasks,
        }));
        if (opts.json) return void process.stdout.write(JSON.stringify({ topologies: rows }) + '\n');
        if (rows.length === 0) return void process.stdout.write('no topologies running\n');
        process.stdout.write(
          table(
            ['name', 'id', 'status', 'uptime', 'workers', 'executors', 'tasks'],
            rows.map((r) => [
              r.name,
              r.id,
              r.status,
              `${r.uptimeSecs}s`,
              String(r.workers),
              String(r.executors),
              String(r.tasks),
            ]),
          ) + '\n',
        );
      }).catch((err) => fail(err)),
  );

  common(
    program
      .command('kill')
      .description('kill a topology: spouts stop now, workers after the wait')
      .argument('<name>')
      .option(
        '-w, --wait <secs>',
        'seconds between deactivation and shutdown (default: topology.message.timeout.secs)',
      ),
  ).action((name: string, opts: ClientOptions & { wait?: string }) =>
    withClient(opts, async (client) => {
      await callNimbus(client, NimbusService.killTopology, {
        name,
        ...(opts.wait !== undefined ? { waitSecs: Number(opts.wait) } : {}),
      });
      process.stdout.write(
        `killed topology '${name}'${opts.wait !== undefined ? ` (workers stop in ${opts.wait}s)` : ''}\n`,
      );
    }).catch((err) => fail(err)),
  );

  for (const [verb, method] of [
    ['activate', 'activate'],
    ['deactivate', 'deactivate'],
  ] as const) {
    common(program.command(verb).description(`${verb} a topology's spouts`).argument('<name>')).action(
      (name: string, opts: ClientOptions) =>
        withClient(opts, async (client) => {
          await callNimbus(client, NimbusService[method], { name });
          process.stdout.write(`${verb}d topology '${name}'\n`);
        }).catch((err) => fail(err)),
    );
  }

  common(
    program
      .command('rebalance')
      .description('spread a topology over a new number of workers and/or executors')
      .argument('<name>')
      .option('-w, --wait <secs>', 'seconds the topology is deactivated before rescheduling (default: message timeout)')
      .option('-n, --num-workers <n>', 'new number of workers')
      .option('-e, --executors <component=n>', 'new executor count of a component, repeatable', collectConfig),
  ).action((name: string, opts: ClientOptions & { wait?: string; numWorkers?: string; executors?: string[] }) =>
    withClient(opts, async (client) => {
      const componentExecutors: Record<string, number> = {};
      for (const e of opts.executors ?? []) {
        const [k, v] = e.split('=');
        if (!k || v === undefined || !(Number(v) >= 1)) throw new Error(`-e takes component=executors, got '${e}'`);
        componentExecutors[k] = Number(v);
      }
      await callNimbus(client, NimbusService.rebalance, {
        name,
        ...(opts.wait !== undefined ? { waitSecs: Number(opts.wait) } : {}),
        ...(opts.numWorkers !== undefined ? { numWorkers: Number(opts.numWorkers) } : {}),
        componentExecutors,
      });
      process.stdout.write(`rebalancing topology '${name}'\n`);
    }).catch((err) => fail(err)),
  );
}
