import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { TopologyBuilder } from '@squall/api';
import { LocalCluster } from '@squall/local';
import { liveChildPids, ShellBolt, toShellSpec, type ShellComponentOptions } from '../src';
import { alive, Ledger, ReplaySpout, SinkBolt, STORM_STYLE, tempDir, waitFor } from './helpers';

type Received = Array<{ component: string; stream: string; values: unknown[] }>;

/**
 * Runs `items` from a replaying spout through one shell bolt per misbehaviour mode (all subscribed to the spout),
 * until every item is acked, i.e. processed by every bolt despite each child misbehaving once.
 */
async function runMisbehaving(modes: string[], conf: Record<string, unknown> = {}) {
  const tmp = tempDir();
  const ledger = new Ledger();
  const received: Received = [];
  const bolts = new Map<string, ShellBolt[]>();
  const items = Array.from({ length: 80 }, (_, i) => i);
  const b = new TopologyBuilder();
  b.setSpout('src', () => new ReplaySpout(items, ledger));
  for (const mode of modes) {
    const options: ShellComponentOptions = {
      command: [process.execPath, STORM_STYLE, 'bolt'],
      outputs: ['value', 'pid'],
      env: { FIXTURE_MODE: mode, FIXTURE_AFTER: '15', FIXTURE_MARKER: path.join(tmp.dir, mode) },
      // Small, so a few inputs are in flight when the child misbehaves.
      config: { 'topology.shellbolt.max.pending': 5 },
    };
    bolts.set(mode, []);
    b.setBolt(mode, () => {
      const s = new ShellBolt(options);
      bolts.get(mode)!.push(s);
      return s;
    })
      .allGrouping('src')
      .setShell(toShellSpec(options));
    b.setBolt(`${mode}-sink`, () => new SinkBolt(received)).shuffleGrouping(mode);
  }
  const cluster = await LocalCluster.create();
  try {
    const running = await cluster.submitTopology(
      'recovery',
      { 'topology.max.spout.pending': 20, ...conf },
      b.createTopology('x'),
    );
    await waitFor(() => ledger.acked.size === items.length, 25000, `all ${items.length} items acked`);
    const pids = new Map(
      modes.map((m) => [m, [...new Set(received.filter((r) => r.component === m).map((r) => r.values[1] as number))]]),
    );
    const result = { ledger, received, errors: running.errors(), pids, bolts, items };
    await cluster.shutdown();
    return result;
  } finally {
    await cluster.shutdown();
    tmp.remove();
  }
}

function opened(bolts: ShellBolt[]): ShellBolt[] {
  return bolts.filter((b) => b.childStarts > 0);
}

test('crash recovery: a child that exits mid-run has its pending inputs failed and replayed, and is restarted', async () => {
  const r = await runMisbehaving(['crash']);
  assert.ok(r.ledger.fails >= 1, 'the in-flight inputs were failed so the spout replayed them');
  assert.ok(
    r.errors.some(
      (e) =>
        e.component === 'crash' &&
        /exited \(code 3\); its last stderr: .*fixture: crashing on purpose$/.test(e.message),
    ),
    JSON.stringify(r.errors.map((e) => e.message)),
  );
  assert.equal(opened(r.bolts.get('crash')!)[0]!.childStarts, 2);
  const pids = r.pids.get('crash')!;
  assert.equal(pids.length, 2, 'tuples were processed by the first child and by its replacement');
  assert.equal(alive(pids[0]!), false);
  assert.deepEqual(new Set(r.received.map((x) => x.values[0])), new Set(r.items), 'every item processed');
  assert.deepEqual(liveChildPids(), []);
});

test('hang recovery: a child that stops answering heartbeats is timed out, killed and restarted', async () => {
  const started = Date.now();
  const r = await runMisbehaving(['hang'], { 'topology.subprocess.timeout.secs': 1 });
  assert.ok(
    r.errors.some((e) => e.component === 'hang' && /heartbeat timeout/.test(e.message)),
    JSON.stringify(r.errors.map((e) => e.message)),
  );
  const pids = r.pids.get('hang')!;
  assert.equal(pids.length, 2);
  assert.equal(alive(pids[0]!), false, 'the hung child was killed');
  assert.ok(r.ledger.fails >= 1);
  assert.ok(Date.now() - started < 15000);
});

test('garbage recovery: non-JSON output, an unknown command, an ack of an unknown id, an emit without a tuple and an anchor to a settled input are protocol violations', async () => {
  const modes = ['garbage-json', 'garbage-command', 'garbage-ack', 'garbage-no-tuple', 'garbage-anchor'];
  const r = await runMisbehaving(modes);
  const expected: Record<string, RegExp> = {
    'garbage-json': /not valid JSON.*this is not json/,
    'garbage-command': /unknown command "dance"/,
    'garbage-ack': /ack of "no-such-input", which is not a pending input/,
    'garbage-no-tuple': /an emit without a "tuple"/,
    'garbage-anchor': /an emit anchored to "\d+", which is not a pending input/,
  };
  for (const mode of modes) {
    const errors = r.errors.filter((e) => e.component === mode);
    assert.ok(
      errors.some((e) => /protocol violation/.test(e.message) && expected[mode]!.test(e.message)),
      `${mode}: ${JSON.stringify(errors.map((e) => e.message))}`,
    );
    assert.equal(opened(r.bolts.get(mode)!)[0]!.childStarts, 2, `${mode} restarted once`);
    assert.equal(r.pids.get(mode)!.length, 2);
  }
  assert.deepEqual(liveChildPids(), []);
});

test('an unterminated message (no end line, then silence) is timed out, the child killed and restarted', async () => {
  const r = await runMisbehaving(['garbage-unterminated'], { 'topology.subprocess.timeout.secs': 1 });
  const errors = r.errors.filter((e) => e.component === 'garbage-unterminated');
  assert.ok(
    errors.some((e) => /heartbeat timeout/.test(e.message)),
    JSON.stringify(errors.map((e) => e.message)),
  );
  const pids = r.pids.get('garbage-unterminated')!;
  assert.equal(pids.length, 2, 'a replacement child processed the rest');
  assert.equal(alive(pids[0]!), false, 'the stuck child was killed');
  assert.deepEqual(new Set(r.received.map((x) => x.values[0])), new Set(r.items), 'every item processed');
  assert.deepEqual(liveChildPids(), []);
});

test('a command that cannot be started is reported and retried with backoff, and the topology keeps running', async () => {
  const tmp = tempDir();
  const received: Received = [];
  const ledger = new Ledger();
  const b = new TopologyBuilder();
  b.setSpout('src', () => new ReplaySpout([1, 2, 3], ledger));
  b.setBolt(
    'missing',
    () => new ShellBolt({ command: [path.join(tmp.dir, 'no-such-program')], restartInitialMs: 200 }),
  ).shuffleGrouping('src');
  b.setBolt('sink', () => new SinkBolt(received)).shuffleGrouping('src');
  const cluster = await LocalCluster.create();
  try {
    const running = await cluster.submitTopology(
      'missing',
      { 'topology.message.timeout.secs': 30 },
      b.createTopology('x'),
    );
    await waitFor(
      () => running.errors().filter((e) => e.component === 'missing').length >= 2,
      5000,
      'two start failures',
    );
    assert.match(running.errors()[0]!.message, /cannot start .*no-such-program.*ENOENT/);
    await waitFor(() => received.length === 3, 5000, 'the other bolt kept working');
    assert.equal(existsSync(tmp.dir), true);
  } finally {
    await cluster.shutdown();
    tmp.remove();
  }
});
