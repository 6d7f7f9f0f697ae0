#!/usr/bin/env node
/**
 * The chaos suite: `npm run test:chaos [-- --phase all|tuples|stateful|exactly-once]`, three phases, one after the
 * other:
 * - tuples (`--tuples N`, `--seconds S`, `--faults worker,zookeeper,nimbus,supervisor,partition`): runs the chaos
 *   topology on a real cluster while killing a worker, ZooKeeper, the leader nimbus and a supervisor and cutting a
 *   supervisor's network namespace off; prints `N sent, N acked, 0 lost, D replayed` and the recovery times.
 * - stateful (`--words N`, `--vocabulary K`, `--stateful-seconds S`, `--redis-down-seconds S`): the stateful word count
 *   with its state in Redis through a worker SIGKILL, a supervisor SIGKILL and restart, and a Redis restart; prints
 *   `stateful (at-least-once): expected N, counted M, D duplicated, L lost`.
 * - exactly-once (same options): the same run with `topology.state.guarantee: exactly-once`; prints
 *   `stateful (exactly-once): expected N, counted N, 0 duplicated, 0 lost` and fails on any duplicate or loss.
 * Ends with one line per phase (PASSED or FAILED, and its duration). Exits 1 if any phase failed.
 */
import { ALL_FAULTS, runChaos, type Fault } from './chaos-run';
import { runStatefulChaos } from './stateful-run';

const PHASES = ['tuples', 'stateful', 'exactly-once'] as const;
type Phase = (typeof PHASES)[number];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function usage(problem: string): never {
  process.stderr.write(
    `usage: chaos.js [--phase all|${PHASES.join('|')}] [--tuples N] [--seconds S] [--faults ${ALL_FAULTS.join(',')}] [--words N] [--vocabulary K] [--stateful-seconds S] [--redis-down-seconds S] (${problem})\n`,
  );
  process.exit(2);
}

async function main(): Promise<void> {
  const phaseArg = arg('phase') ?? 'all';
  const phases: Phase[] =
    phaseArg === 'all'
      ? [...PHASES]
      : (PHASES as readonly string[]).includes(phaseArg)
        ? [phaseArg as Phase]
        : usage(`unknown phase: ${phaseArg}`);
  const tuples = Number(arg('tuples') ?? 200000);
  const seconds = Number(arg('seconds') ?? 240);
  const faults = (arg('faults')?.split(',') ?? [...ALL_FAULTS]) as Fault[];
  const unknown = faults.filter((f) => !(ALL_FAULTS as readonly string[]).includes(f));
  const words = Number(arg('words') ?? 30000);
  const vocabulary = Number(arg('vocabulary') ?? 1000);
  const statefulSeconds = Number(arg('stateful-seconds') ?? 90);
  const redisDownSeconds = Number(arg('redis-down-seconds') ?? 5);
  if (unknown.length > 0) usage(`unknown fault: ${unknown.join(', ')}`);
  for (const [name, v] of Object.entries({
    tuples,
    seconds,
    words,
    vocabulary,
    'stateful-seconds': statefulSeconds,
    'redis-down-seconds': redisDownSeconds,
  })) {
    if (!(v > 0) || !Number.isInteger(v)) usage(`--${name} must be a positive integer, got ${arg(name)}`);
  }

  const log = (l: string) => console.log(l);
  const summary: string[] = [];
  const suiteStart = Date.now();
  for (const phase of phases) {
    const t0 = Date.now();
    let passed = false;
    let why = '';
    log(`== chaos phase: ${phase}`);
    try {
      if (phase === 'tuples') {
        const r = await runChaos({ tuples, seconds, faults, log });
        passed = r.lost === 0;
        why = `${r.lost} lost`;
      } else {
        const r = await runStatefulChaos({
          words,
          vocabulary,
          seconds: statefulSeconds,
          redisDownSeconds,
          log,
          guarantee: phase === 'exactly-once' ? 'exactly-once' : 'at-least-once',
        });
        passed = r.problems.length === 0;
        why = r.problems.join('; ');
      }
    } catch (err) {
      why = `${(err as Error)?.stack ?? String(err)}`;
      log(`chaos phase ${phase} failed: ${why}`);
      why = (err as Error)?.message ?? String(err);
    }
    summary.push(
      `chaos phase ${phase}: ${passed ? 'PASSED' : `FAILED (${why})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  log('== chaos summary');
  for (const l of summary) log(l);
  log(`chaos suite: ${phases.length} phase(s) in ${((Date.now() - suiteStart) / 1000).toFixed(1)} s`);
  process.exit(summary.every((l) => l.includes(': PASSED')) ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(`chaos run failed: ${(err as Error)?.stack ?? String(err)}`);
  process.exit(1);
});
