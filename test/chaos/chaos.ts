#!/usr/bin/env node
/**
 * The chaos suite: `npm run test:chaos [-- --tuples N] [--seconds S] [--faults worker,zookeeper,nimbus,supervisor,partition]`.
 * Runs the chaos topology on a real cluster while killing a worker, ZooKeeper, the leader nimbus and a supervisor and
 * cutting a supervisor's network namespace off; prints `N sent, N acked, 0 lost, D replayed` and the recovery times.
 * Exits 1 if any id was lost or the run failed.
 */
import { ALL_FAULTS, runChaos, type Fault } from './chaos-run';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const tuples = Number(arg('tuples') ?? 200000);
  const seconds = Number(arg('seconds') ?? 240);
  const faults = (arg('faults')?.split(',') ?? [...ALL_FAULTS]) as Fault[];
  const unknown = faults.filter((f) => !(ALL_FAULTS as readonly string[]).includes(f));
  if (!(tuples > 0) || !(seconds > 0) || unknown.length > 0) {
    process.stderr.write(`usage: chaos.js [--tuples N] [--seconds S] [--faults ${ALL_FAULTS.join(',')}]${unknown.length ? ` (unknown fault: ${unknown.join(', ')})` : ''}\n`);
    process.exit(2);
  }
  const result = await runChaos({ tuples, seconds, faults, log: (l) => console.log(l) });
  process.exit(result.lost === 0 ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(`chaos run failed: ${(err as Error)?.stack ?? String(err)}`);
  process.exit(1);
});
