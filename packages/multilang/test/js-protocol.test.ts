import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { TopologyBuilder } from '@squall/api';
import { LocalCluster } from '@squall/local';
import {
  CountShellMetric,
  LastValueShellMetric,
  liveChildPids,
  ShellBolt,
  ShellSpout,
  toShellSpec,
  type ShellComponentOptions,
} from '../src';
import { alive, Ledger, memoryLogger, ReplaySpout, SinkBolt, STORM_STYLE, tempDir, waitFor } from './helpers';

const RAW_IDS = [
  '1',
  '9007199254740993',
  '18446744073709551615',
  '-7',
  '2.50',
  '"text-id"',
  '{"k":[1,2]}',
  '12345678901234567890123',
];

type Received = Array<{ component: string; stream: string; values: unknown[] }>;

test('spout (storm.js style): handshake context, logs anywhere, task ids first, raw ids echoed exactly, empty nexts back off', async () => {
  const tmp = tempDir();
  const { logger, lines } = memoryLogger();
  const nexts = new CountShellMetric();
  const spouts: ShellSpout[] = [];
  const received: Received = [];
  const options: ShellComponentOptions = {
    command: [process.execPath, STORM_STYLE, 'spout'],
    outputs: [{ fields: ['n'] }, { stream: 'acked', fields: ['kind', 'id'] }],
    env: { FIXTURE_OUT: tmp.dir },
    metrics: { nexts },
  };
  const b = new TopologyBuilder();
  b.setSpout('src', () => {
    const s = new ShellSpout(options);
    spouts.push(s);
    return s;
  }).setShell(toShellSpec(options));
  b.setBolt('sink', () => new SinkBolt(received), 2)
    .shuffleGrouping('src')
    .allGrouping('src', 'acked');
  const cluster = await LocalCluster.create({ logger });
  try {
    const running = await cluster.submitTopology(
      'spout-conformance',
      { 'topology.acker.executors': 2 },
      b.createTopology('x'),
    );
    const acked = () => received.filter((r) => r.stream === 'acked' && r.values[0] === 'ack').length;
    await waitFor(() => acked() >= RAW_IDS.length * 2, 15000, 'every id acked (seen by both sink tasks)');

    // Every id came back byte for byte, as a number when it was one, including beyond 2^53 and 2^64.
    const echoed = received
      .filter((r) => r.stream === 'acked' && r.values[0] === 'ack')
      .map((r) => r.values[1] as string);
    assert.deepEqual([...new Set(echoed)].sort(), [...RAW_IDS].sort());
    // activate was the first command, with id "".
    const firstCommand = received.find((r) => r.stream === 'acked');
    assert.deepEqual(firstCommand?.values, ['activate', '""']);
    assert.deepEqual(
      received
        .filter((r) => r.stream === 'default')
        .map((r) => r.values[0])
        .sort((a, c) => Number(a) - Number(c)),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );

    // The spout is exhausted: each next is answered by a bare sync, and must make the engine back off, not spin.
    const before = nexts.value();
    await new Promise((r) => setTimeout(r, 1000));
    const perSecond = nexts.value() - before;
    assert.ok(perSecond > 20 && perSecond < 2500, `empty nexts per second: ${perSecond}`);

    // Handshake: full context with exact field lists, acker tasks included.
    const task = running.runtime.model.tasksOf('src')[0]!;
    const hs = JSON.parse(readFileSync(path.join(tmp.dir, `handshake-${task}.json`), 'utf8')) as {
      conf: Record<string, unknown>;
      pidDir: string;
      context: Record<string, unknown>;
    };
    assert.ok(path.isAbsolute(hs.pidDir));
    assert.equal(hs.conf['topology.name'], 'spout-conformance');
    const taskToComponent: Record<string, string> = {};
    for (const [t, c] of running.runtime.model.layout.taskToComponent) taskToComponent[String(t)] = c;
    assert.deepEqual(Object.values(taskToComponent).filter((c) => c === '__acker').length, 2);
    assert.deepEqual(hs.context, {
      taskid: task,
      componentid: 'src',
      'task->component': taskToComponent,
      streams: ['default', 'acked'],
      'stream->outputfields': { default: ['n'], acked: ['kind', 'id'] },
      'stream->target->grouping': { default: { sink: { type: 'SHUFFLE' } }, acked: { sink: { type: 'ALL' } } },
      'source->stream->grouping': {},
      'source->stream->fields': {},
    });
    // pid recorded in pidDir (the fixture creates the file after answering).
    const opened = spouts.filter((s) => s.childStarts > 0);
    assert.equal(opened.length, 1);
    const pid = opened[0]!.childPid!;
    assert.ok(existsSync(path.join(hs.pidDir, String(pid))));

    // Logs sent before the handshake answer and before the first command were accepted, at their levels, with
    // component and task.
    const childLogs = lines.filter(
      (l) => l.component === 'src' && l.childPid !== undefined && typeof l.msg === 'string',
    );
    const find = (text: string) => childLogs.find((l) => (l.msg as string).includes(text));
    assert.equal(find('before the handshake')?.level, 20);
    assert.equal(find('before the pid answer')?.level, 30);
    assert.equal(find('before the first command')?.level, 40);
    assert.equal(find('before the first command')?.task, task);
    // stderr is drained and logged at INFO with component and task.
    const stderr = lines.find((l) => l.stream === 'stderr' && l.component === 'src');
    assert.equal(stderr?.msg, `stderr line from spout ${pid}`);
    assert.equal(stderr?.level, 30);
    assert.equal(stderr?.task, task);
    assert.deepEqual(running.errors(), [], 'no ORDER or protocol errors');
    assert.equal(opened[0]!.childStarts, 1);

    await cluster.shutdown();
    assert.equal(alive(pid), false, 'the child is gone after shutdown');
    assert.equal(existsSync(hs.pidDir), false, 'the pid directory is removed');
  } finally {
    await cluster.shutdown();
    tmp.remove();
  }
});

test('bolt (storm.js style): task ids, anchors, heartbeats keep an idle child alive, tick tuples are forwarded and acked', async () => {
  const ledger = new Ledger();
  const received: Received = [];
  const bolts: ShellBolt[] = [];
  const heartbeats = new CountShellMetric();
  const maxInFlight = new LastValueShellMetric();
  const options: ShellComponentOptions = {
    command: [process.execPath, STORM_STYLE, 'bolt'],
    outputs: [{ fields: ['value', 'pid'] }, { stream: 'ticks', fields: ['freq', 'task'] }],
    metrics: { heartbeats, maxInFlight },
    env: { FIXTURE_REPORT_IN_FLIGHT: '1' },
    config: { 'topology.tick.tuple.freq.secs': 0.4, 'topology.shellbolt.max.pending': 3 },
  };
  const b = new TopologyBuilder();
  b.setSpout(
    'src',
    () =>
      new ReplaySpout(
        Array.from({ length: 30 }, (_, i) => `v${i}`),
        ledger,
      ),
  );
  b.setBolt(
    'shell',
    () => {
      const s = new ShellBolt(options);
      bolts.push(s);
      return s;
    },
    2,
  )
    .shuffleGrouping('src')
    .setShell(toShellSpec(options));
  b.setBolt('sink', () => new SinkBolt(received))
    .shuffleGrouping('shell')
    .shuffleGrouping('shell', 'ticks');
  const cluster = await LocalCluster.create();
  try {
    const running = await cluster.submitTopology(
      'bolt-conformance',
      { 'topology.subprocess.timeout.secs': 1 },
      b.createTopology('x'),
    );
    await waitFor(() => ledger.acked.size === 30, 15000, 'every input acked');
    // Idle now, except for ticks: a second of heartbeats must not get a healthy child killed.
    await new Promise((r) => setTimeout(r, 2300));
    assert.deepEqual(running.errors(), []);
    assert.deepEqual(
      bolts.filter((x) => x.childStarts > 0).map((x) => x.childStarts),
      [1, 1],
      'no restarts',
    );
    assert.ok(heartbeats.value() >= 4, `heartbeats answered: ${heartbeats.value()}`);
    const values = received.filter((r) => r.stream === 'default').map((r) => r.values[0]);
    assert.deepEqual(new Set(values), new Set(Array.from({ length: 30 }, (_, i) => `v${i}`)));
    assert.equal(
      new Set(received.filter((r) => r.stream === 'default').map((r) => r.values[1])).size,
      2,
      'two children',
    );
    const ticks = received.filter((r) => r.stream === 'ticks');
    assert.ok(ticks.length >= 4, `ticks: ${ticks.length}`);
    for (const t of ticks) assert.deepEqual(t.values, [0.4, -1]);
    assert.equal(ledger.fails, 0);
    const inFlight = maxInFlight.value() as number;
    assert.ok(inFlight >= 2 && inFlight <= 3, `inputs written and unsettled at once: ${inFlight} (cap 3)`);
    const stats = running.stats();
    assert.equal(stats.shell!.failed, 0);
  } finally {
    await cluster.shutdown();
  }
  assert.deepEqual(liveChildPids(), []);
});

/** A topology of one storm-style spout (options tweaked per test) and a sink on both of its streams. */
async function runSpout(
  conf: Record<string, unknown>,
  env: Record<string, string>,
  until: (received: Received) => boolean,
  metrics: ShellComponentOptions['metrics'] = { nexts: new CountShellMetric() },
) {
  const received: Received = [];
  const spouts: ShellSpout[] = [];
  const options: ShellComponentOptions = {
    command: [process.execPath, STORM_STYLE, 'spout'],
    outputs: [{ fields: ['n'] }, { stream: 'acked', fields: ['kind', 'id'] }],
    env,
    metrics,
  };
  const b = new TopologyBuilder();
  b.setSpout('src', () => {
    const s = new ShellSpout(options);
    spouts.push(s);
    return s;
  });
  b.setBolt('sink', () => new SinkBolt(received))
    .shuffleGrouping('src')
    .shuffleGrouping('src', 'acked');
  const cluster = await LocalCluster.create();
  try {
    const running = await cluster.submitTopology('spout', conf, b.createTopology('x'));
    await waitFor(() => until(received), 15000, 'the expected spout output');
    return { received, errors: running.errors(), spout: spouts.find((s) => s.childStarts > 0)! };
  } finally {
    await cluster.shutdown();
  }
}

test('acking disabled: each emitted id is acked at once, after the sync of the next that emitted it', async () => {
  const acks = (r: Received) => r.filter((x) => x.stream === 'acked' && x.values[0] === 'ack').map((x) => x.values[1]);
  const r = await runSpout({ 'topology.acker.executors': 0 }, {}, (rec) => acks(rec).length === RAW_IDS.length);
  assert.deepEqual([...acks(r.received)].sort(), [...RAW_IDS].sort());
  assert.deepEqual(r.errors, [], 'no ack was written while the spout waited for task ids or a sync');
});

test('a spout that stops answering is timed out while waiting for its sync, restarted, and activated again', async () => {
  const tmp = tempDir();
  try {
    const activations = (rec: Received) => rec.filter((x) => x.stream === 'acked' && x.values[0] === 'activate').length;
    const r = await runSpout(
      { 'topology.subprocess.timeout.secs': 1 },
      { FIXTURE_MODE: 'hang', FIXTURE_MARKER: path.join(tmp.dir, 'hung') },
      (rec) => activations(rec) === 2 && rec.filter((x) => x.stream === 'default').length >= 3 + RAW_IDS.length,
    );
    assert.ok(
      r.errors.some((e) => /heartbeat timeout.*while waiting for the sync after 'next'/.test(e.message)),
      JSON.stringify(r.errors.map((e) => e.message)),
    );
    assert.equal(r.spout.childStarts, 2);
  } finally {
    tmp.remove();
  }
});

test('a child updating a metric that is not registered: reported once per name, however often it updates it', async () => {
  const r = await runSpout(
    { 'topology.acker.executors': 0 },
    {},
    (rec) => rec.filter((x) => x.stream === 'default').length >= RAW_IDS.length,
    {},
  );
  const unknown = r.errors.filter((e) => /metric 'nexts', which is not registered/.test(e.message));
  assert.equal(unknown.length, 1, `every next updated it; reported ${unknown.length} time(s)`);
});
