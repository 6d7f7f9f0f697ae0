import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@squall/core';
import { emptyHistogram, StatsWindows, summarizeComponents, type ExecutorStatsSnapshot } from '../src';
import { componentStatsProto, componentSummaryFromProto, topologyStatsProto } from '../src/wire';

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;

/** A spout executor's cumulative snapshot: `emitted` tuples, all acked, `busyMs` busy over `uptimeMs`. */
function spout(emitted: number, uptimeMs: number, busyMs = 0, startTask = 1): ExecutorStatsSnapshot {
  const complete = emptyHistogram();
  complete.counts[40] = emitted; // 2^10 µs ≈ 1 ms
  complete.count = emitted;
  complete.sumMs = emitted;
  complete.maxMs = emitted > 0 ? 1.1 : 0;
  return {
    component: 'words',
    startTask,
    endTask: startTask,
    kind: 'spout',
    uptimeMs,
    busyMs,
    outputs: { default: { emitted, transferred: emitted } },
    inputs: {},
    completions: { default: { acked: emitted, failed: 0, completeMs: emitted } },
    histograms: { execute: emptyHistogram(), process: emptyHistogram(), complete },
  };
}

const emitted = (list: ReturnType<StatsWindows['window']>) =>
  list.reduce((n, w) => n + (w.stats.outputs.default?.emitted ?? 0), 0);

/** Heartbeats every `everyMs` for `durationMs` of an executor emitting `rate` tuples per second since `startMs`. */
function run(
  windows: StatsWindows,
  clock: ManualClock,
  opts: {
    durationMs: number;
    everyMs: number;
    rate: number;
    startMs: number;
    slot?: [string, number];
    baseUptimeMs?: number;
  },
) {
  const [sup, port] = opts.slot ?? ['s1', 6700];
  const end = clock.wallMs() + opts.durationMs;
  while (clock.wallMs() < end) {
    clock.advance(opts.everyMs);
    const up = clock.wallMs() - opts.startMs + (opts.baseUptimeMs ?? 0);
    windows.record('t1', sup, port, [spout(Math.round((up / SEC) * opts.rate), up, up / 2)]);
  }
}

test('windows hold exact counts; the start is rounded to a kept sample by at most about 1/30 of the window', () => {
  const clock = new ManualClock(1_000_000);
  const windows = new StatsWindows({ clock });
  run(windows, clock, { durationMs: 5 * HOUR, everyMs: 5 * SEC, rate: 10, startMs: 1_000_000 });
  const total = 5 * 3600 * 10;
  assert.equal(emitted(windows.window('t1', 0)), total, 'all time is the cumulative count');
  for (const [secs, slack] of [
    [600, 25],
    [10800, 6 * 60 + 5],
  ] as const) {
    const got = emitted(windows.window('t1', secs));
    // 10 tuples per second: the window covers its length plus at most one sample spacing and one heartbeat.
    assert.ok(got >= secs * 10 && got <= (secs + slack) * 10, `window ${secs}s: ${got}`);
    assert.equal(got % 50, 0, 'a difference of two real heartbeats (50 tuples apart), not an interpolation');
  }
  assert.equal(emitted(windows.window('t1', 86400)), total, 'the topology is younger than a day');
  const w = windows.window('t1', 600)[0]!.stats;
  assert.ok(Math.abs(w.busyMs / w.uptimeMs - 0.5) < 1e-9, 'busy and uptime are the window share: capacity per window');
});

test('a worker restart (counters back to zero) loses nothing and never goes negative', () => {
  const clock = new ManualClock(0);
  const windows = new StatsWindows({ clock });
  run(windows, clock, { durationMs: 20 * MIN, everyMs: SEC, rate: 100, startMs: 0 });
  const before = emitted(windows.window('t1', 0));
  assert.equal(before, 20 * 60 * 100);
  // The worker dies and comes back on the same slot: uptime and counters start again.
  const restartAt = clock.wallMs();
  run(windows, clock, { durationMs: 5 * MIN, everyMs: SEC, rate: 100, startMs: restartAt });
  assert.equal(emitted(windows.window('t1', 0)), before + 5 * 60 * 100, 'all time adds both incarnations');
  const tenMin = emitted(windows.window('t1', 600));
  assert.ok(
    tenMin >= 10 * 60 * 100 && tenMin <= 10 * 60 * 100 + 25 * 100,
    `10 min window spans the restart: ${tenMin}`,
  );
});

test('an executor moved to another slot keeps the counts of its old slot', () => {
  const clock = new ManualClock(0);
  const windows = new StatsWindows({ clock });
  run(windows, clock, { durationMs: 2 * MIN, everyMs: SEC, rate: 10, startMs: 0, slot: ['s1', 6700] });
  const moveAt = clock.wallMs();
  run(windows, clock, { durationMs: 1 * MIN, everyMs: SEC, rate: 10, startMs: moveAt, slot: ['s2', 6701] });
  assert.equal(emitted(windows.window('t1', 0)), 1200 + 600);
  assert.equal(emitted(windows.window('t1', 600)), 1800);
  assert.equal(windows.window('t1', 0).length, 2, 'one series per slot');
});

test('an executor first heard of mid-life (nimbus restarted) counts from the first snapshot, not from its start', () => {
  const clock = new ManualClock(10 * HOUR);
  const windows = new StatsWindows({ clock });
  // It has run for an hour already: 36,000 tuples before nimbus heard of it.
  run(windows, clock, { durationMs: 2 * MIN, everyMs: SEC, rate: 10, startMs: 10 * HOUR - HOUR });
  const first = 36000 + 10;
  assert.equal(
    emitted(windows.window('t1', 600)),
    36000 + 1200 - first,
    'only what was counted since nimbus heard of it',
  );
  assert.equal(emitted(windows.window('t1', 0)), 36000 + 1200, 'all time is still everything the executor counted');
});

test('memory is bounded: two days of 1 s heartbeats keep about a hundred samples', () => {
  const clock = new ManualClock(0);
  const windows = new StatsWindows({ clock });
  run(windows, clock, { durationMs: 48 * HOUR, everyMs: 5 * SEC, rate: 1, startMs: 0 });
  assert.ok(windows.sampleCount() <= 100, `${windows.sampleCount()} samples`);
  const day = emitted(windows.window('t1', 86400));
  assert.ok(day >= 86400 && day <= 86400 + 48 * 60 + 60, `1 day window: ${day}`);
  const hour3 = emitted(windows.window('t1', 10800));
  assert.ok(hour3 >= 10800 && hour3 <= 10800 + 6 * 60 + 60, `3 h window: ${hour3}`);
  windows.retainTopologies([]);
  assert.equal(windows.sampleCount(), 0, 'a removed topology is forgotten');
});

test('executors not heard from within a window are left out of it', () => {
  const clock = new ManualClock(0);
  const windows = new StatsWindows({ clock });
  run(windows, clock, { durationMs: MIN, everyMs: SEC, rate: 10, startMs: 0 });
  clock.advance(20 * MIN);
  assert.deepEqual(windows.window('t1', 600), []);
  assert.equal(emitted(windows.window('t1', 0)), 600);
});

test('proto views: totals, per-stream completions and latency buckets in the one layout that add up to the count', () => {
  const snaps = [spout(100, 10 * SEC, 1000, 1), spout(50, 10 * SEC, 5000, 2)];
  const c = componentStatsProto('words', snaps)!;
  assert.equal(c.emitted, 150);
  assert.equal(c.acked, 150);
  assert.equal(c.capacity, 0.5, 'the busiest executor');
  assert.deepEqual(
    c.outputs?.map((o) => [o.stream, o.emitted, o.acked]),
    [['default', 150, 150]],
  );
  const buckets = c.completeLatency!.buckets!.map(Number);
  assert.equal(buckets.length, 41, 'trailing empty buckets left out');
  assert.equal(
    buckets.reduce((a, b) => a + b, 0),
    150,
  );
  assert.equal(buckets[40], 150);
  assert.equal(componentStatsProto('nope', snaps), undefined);
  const t = topologyStatsProto(snaps);
  assert.equal(t.acked, 150);
  assert.equal(t.completeLatency?.count, 150);
  assert.equal(t.completeLatency?.buckets?.map(Number)[40], 150);
});

test('percentiles survive the way from executor snapshots through the proto to the summary the CLI prints', () => {
  const snaps = [spout(100, 10 * SEC, 1000, 1), spout(50, 10 * SEC, 5000, 2)];
  const local = summarizeComponents(snaps).words!;
  const viaProto = componentSummaryFromProto(componentStatsProto('words', snaps)!, 2, 2);
  assert.deepEqual(viaProto.latencyPercentilesMs, local.latencyPercentilesMs);
  assert.equal(viaProto.latencyPercentilesMs.complete.p50, 1.1, 'the bucket bound capped at the max');
  assert.equal(viaProto.latencyPercentilesMs.complete.p99, 1.1);
  assert.equal(viaProto.completeLatencyMs, local.completeLatencyMs);
});
