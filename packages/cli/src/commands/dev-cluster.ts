import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { canConnect, findFreePort, ZooKeeperServer } from '@squall/cluster-state';
import { RedisServer } from '@squall/state';
import { runAsUserBlocker } from '@squall/supervisor';
import { squallCommand } from '../command-name';
import { fail } from '../fail';

interface DevClusterOptions {
  supervisors: string;
  slots: string;
  nimbusPort?: string;
  uiPort?: string;
  redis?: boolean;
}

/**
 * `squall dev-cluster`: a whole cluster on this machine for trying things out: a ZooKeeper from the OS install (temp
 * data dir), a nimbus and N supervisors as separate processes on loopback, and with `--redis` a redis-server for
 * stateful bolts; Ctrl-C stops them all.
 */
export function registerDevCluster(program: Command): void {
  program
    .command('dev-cluster')
    .description('start ZooKeeper, a nimbus and N supervisors on 127.0.0.1; Ctrl-C stops them all')
    .option('-s, --supervisors <n>', 'number of supervisors', '2')
    .option('--slots <n>', 'worker slots per supervisor', '2')
    .option('--nimbus-port <port>', 'nimbus port (default: a free one)')
    .option('--ui-port <port>', 'UI port (default: a free one)')
    .option(
      '--redis',
      "also start a redis-server (Debian's redis-server package) on a free port, for stateful bolts' state",
    )
    .action((opts: DevClusterOptions) => runDevCluster(opts).catch((err) => fail(err)));
}

async function runDevCluster(opts: DevClusterOptions): Promise<void> {
  // Ctrl-C at any point, even while starting, stops whatever has been started.
  let stopping = false;
  let onStop!: () => void;
  const stopped = new Promise<void>((resolve) => (onStop = resolve));
  const stop = () => {
    stopping = true;
    onStop();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const dir = mkdtempSync(path.join(tmpdir(), 'squall-dev-'));
  // Searchable (not listable) by others: a root supervisor runs each topology's workers as a uid of its own.
  chmodSync(dir, 0o711);
  const children: ChildProcess[] = [];
  let zk: ZooKeeperServer | undefined;
  let redis: RedisServer | undefined;
  try {
    zk = await ZooKeeperServer.start({ dataDir: path.join(dir, 'zookeeper') });
    if (opts.redis) redis = await RedisServer.start({ dir: path.join(dir, 'redis') });
    const nimbusPort = opts.nimbusPort ? Number(opts.nimbusPort) : await findFreePort();
    const base = [
      '-c',
      `storm.zookeeper.servers=["127.0.0.1"]`,
      '-c',
      `storm.zookeeper.port=${zk.port}`,
      '-c',
      `nimbus.seeds=["127.0.0.1:${nimbusPort}"]`,
    ];
    const bin = process.argv[1]!;
    const start = (args: string[], name: string) => {
      const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
      child.on('exit', (code, signal) => {
        if (!stopping) process.stderr.write(`squall: ${name} exited (${signal ?? `code ${code}`})\n`);
      });
      children.push(child);
    };
    const metricsPort = await findFreePort();
    start(
      [
        'nimbus',
        ...base,
        '-c',
        `nimbus.port=${nimbusPort}`,
        '-c',
        `nimbus.metrics.port=${metricsPort}`,
        '-c',
        `storm.local.dir=${path.join(dir, 'nimbus')}`,
      ],
      'nimbus',
    );
    const uiPort = opts.uiPort ? Number(opts.uiPort) : await findFreePort();
    start(['ui', ...base, '-c', `ui.port=${uiPort}`], 'ui');
    const supervisors = Number(opts.supervisors);
    // As root, supervisors run each topology as a uid of its own; that needs the code reachable by other users.
    const blocker = process.getuid?.() === 0 ? runAsUserBlocker() : undefined;
    if (blocker)
      process.stderr.write(
        `squall: ${blocker}, so this dev cluster's workers run as root (supervisor.run.worker.as.user=false)\n`,
      );
    const asUser = blocker ? ['-c', 'supervisor.run.worker.as.user=false'] : [];
    for (let i = 0; i < supervisors; i++) {
      const ports: number[] = [];
      for (let s = 0; s < Number(opts.slots); s++) ports.push(await findFreePort());
      start(
        [
          'supervisor',
          ...base,
          ...asUser,
          '-c',
          `supervisor.slots.ports=[${ports.join(',')}]`,
          '-c',
          `storm.local.dir=${path.join(dir, `supervisor-${i}`)}`,
        ],
        `supervisor ${i}`,
      );
      process.stdout.write(`supervisor ${i}: slots ${ports.join(', ')}\n`);
    }
    // Print the addresses once they answer, so a command typed right after them works.
    await waitUntilListening([nimbusPort, uiPort], () => stopping);
    if (!stopping) {
      if (redis)
        process.stdout.write(
          `redis: 127.0.0.1:${redis.port} (stateful bolts: -c topology.state.provider=redis -c 'topology.state.provider.config={"port":${redis.port}}')\n`,
        );
      process.stdout.write(
        `zookeeper: ${zk.connectString}\nnimbus: 127.0.0.1:${nimbusPort} (metrics: http://127.0.0.1:${metricsPort}/metrics)\nui: http://127.0.0.1:${uiPort}/\nstate: ${dir}\n`,
      );
      process.stdout.write(
        `submit with: ${squallCommand()} submit examples/wordcount --nimbus 127.0.0.1:${nimbusPort}\nCtrl-C stops everything.\n`,
      );
    }
    await stopped;
  } finally {
    stopping = true;
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(
      children.map(
        (c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r))),
      ),
    );
    await zk?.shutdown();
    await redis?.shutdown();
    rmSync(dir, { recursive: true, force: true });
    process.stdout.write('squall: dev cluster stopped\n');
  }
}

/** Polls until every port accepts connections on 127.0.0.1; gives up after a minute (the daemons' errors are on stderr). */
async function waitUntilListening(ports: number[], stopped: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (const port of ports) {
    while (!stopped() && !(await canConnect('127.0.0.1', port, 1000))) {
      if (Date.now() > deadline)
        throw new Error(
          `port ${port} on 127.0.0.1 did not accept connections within 60 s (see the daemons' errors above)`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
