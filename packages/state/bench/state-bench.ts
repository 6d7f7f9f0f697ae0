/**
 * `node packages/state/dist/bench/state-bench.js [--rounds R] [--json]`: what one checkpoint costs in each store, for
 * checkpoints of 100, 10 000 and 100 000 changed keys: prepare + commit on the Redis store, side by side in the same run
 * with a baseline, the same fields written by a bare ioredis client as plain HSETs (the least any Redis store can do:
 * the state store writes them twice, once prepared and once committed, plus its txids), and with the memory store.
 * Starts its own redis-server (append-only file on, as in tests). Rounds alternate (default 3); reports the median
 * ms per checkpoint and the median per-round ratio to the baseline; also how long the commit script alone ran, which is
 * how long that Redis serves no one else.
 */
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { MemoryStateProvider, RedisServer, RedisStateProvider, type StateBackend } from '../src';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const ROUNDS = Number(flag('--rounds') ?? 3);
const SIZES = [100, 10_000, 100_000];

function changes(n: number, round: number): Map<string, string | null> {
  const m = new Map<string, string | null>();
  for (let i = 0; i < n; i++)
    m.set(JSON.stringify(`word-${i}`), i % 10 === 9 ? null : JSON.stringify({ count: i + round, at: 'x'.repeat(16) }));
  return m;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const server = await RedisServer.start();
  const redis = new RedisStateProvider(server.stateOptions({ timeoutMs: 60_000 }));
  const memory = new MemoryStateProvider();
  const raw = new Redis({ host: server.host, port: server.port });
  const results: Record<string, unknown>[] = [];
  try {
    for (const n of SIZES) {
      const times = {
        baseline: [] as number[],
        redis: [] as number[],
        commitOnly: [] as number[],
        memory: [] as number[],
      };
      const ratios: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const c = changes(n, round);
        const ns = `bench/${n}/${round}`;

        let t = performance.now();
        const fields: string[] = [];
        for (const [k, v] of c) if (v !== null) fields.push(k, v);
        const pipeline = raw.pipeline();
        for (let i = 0; i < fields.length; i += 2000) pipeline.hset(`baseline/${ns}`, ...fields.slice(i, i + 2000));
        await pipeline.exec();
        const baseline = performance.now() - t;

        const backend: StateBackend = await redis.open(ns);
        t = performance.now();
        await backend.prepare(1, c);
        const mid = performance.now();
        await backend.commit(1);
        const end = performance.now();

        const mem = await memory.open(ns);
        const m0 = performance.now();
        await mem.prepare(1, c);
        await mem.commit(1);
        times.memory.push(performance.now() - m0);

        times.baseline.push(baseline);
        times.redis.push(end - t);
        times.commitOnly.push(end - mid);
        ratios.push((end - t) / baseline);
      }
      MemoryStateProvider.forget('bench/');
      await raw.flushdb();
      const row = {
        changes: n,
        baselineHsetMs: median(times.baseline),
        redisPrepareCommitMs: median(times.redis),
        redisCommitScriptMs: median(times.commitOnly),
        memoryPrepareCommitMs: median(times.memory),
        redisToBaselineRatio: median(ratios),
      };
      results.push(row);
      if (!args.includes('--json'))
        console.log(
          `${String(n).padStart(7)} changes: redis prepare+commit ${row.redisPrepareCommitMs.toFixed(1)} ms (commit script ${row.redisCommitScriptMs.toFixed(1)} ms), ` +
            `baseline HSET ${row.baselineHsetMs.toFixed(1)} ms, ratio ${row.redisToBaselineRatio.toFixed(2)}; memory ${row.memoryPrepareCommitMs.toFixed(2)} ms`,
        );
    }
    if (args.includes('--json')) console.log(JSON.stringify({ rounds: ROUNDS, results }));
  } finally {
    raw.disconnect();
    await redis.close();
    await server.shutdown();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
