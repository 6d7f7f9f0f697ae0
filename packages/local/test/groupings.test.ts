import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TopologyBuilder, type CustomStreamGrouping } from '@squall/api';
import { completeTopology } from '../src';
import { ListSpout, RecordingBolt, SpoutLedger, numbered, type Received } from './fixtures';

function byTask(log: Received[]): Map<number, Received[]> {
  const m = new Map<number, Received[]>();
  for (const r of log) m.set(r.task, [...(m.get(r.task) ?? []), r]);
  return m;
}

async function run(configure: (b: TopologyBuilder, log: Received[], ledger: SpoutLedger) => void) {
  const log: Received[] = [];
  const ledger = new SpoutLedger();
  const b = new TopologyBuilder();
  configure(b, log, ledger);
  const result = await completeTopology(b.createTopology('g'), { timeoutMs: 20000 });
  return { log, ledger, result };
}

test('fields grouping sends each key to exactly one task, and every tuple arrives once', async () => {
  const items = Array.from({ length: 1000 }, (_, i) => [`k${i % 37}`, i]);
  const { log, ledger, result } = await run((b, log, ledger) => {
    b.setSpout('src', () => new ListSpout(items, ledger, { fields: ['key', 'n'] }));
    b.setBolt('sink', () => new RecordingBolt(log), 4).fieldsGrouping('src', ['key']);
  });
  assert.equal(log.length, 1000);
  assert.deepEqual(new Set(log.map((r) => r.values[1])).size, 1000);
  const owner = new Map<unknown, number>();
  for (const r of log) {
    const prev = owner.get(r.values[0]);
    assert.ok(prev === undefined || prev === r.task, `key ${r.values[0]} reached tasks ${prev} and ${r.task}`);
    owner.set(r.values[0], r.task);
  }
  assert.ok(byTask(log).size > 1, 'keys spread over more than one task');
  assert.equal(ledger.ackCount, 1000);
  assert.equal(result.stats.src!.acked, 1000);
  assert.equal(result.stats.sink!.executed, 1000);
});

test('shuffle grouping spreads evenly (round robin from one spout task)', async () => {
  const { log } = await run((b, log, ledger) => {
    b.setSpout('src', () => new ListSpout(numbered(1000), ledger));
    b.setBolt('sink', () => new RecordingBolt(log), 4).shuffleGrouping('src');
  });
  assert.equal(log.length, 1000);
  assert.deepEqual(
    [...byTask(log).values()].map((l) => l.length),
    [250, 250, 250, 250],
  );
});

test('all grouping delivers every tuple to every task', async () => {
  const { log, ledger } = await run((b, log, ledger) => {
    b.setSpout('src', () => new ListSpout(numbered(100), ledger));
    b.setBolt('sink', () => new RecordingBolt(log), 3).allGrouping('src');
  });
  const tasks = byTask(log);
  assert.equal(tasks.size, 3);
  for (const l of tasks.values()) assert.equal(l.length, 100);
  assert.equal(ledger.ackCount, 100, 'a tree with three branches completes once');
});

test('global grouping delivers everything to the lowest task id', async () => {
  const { log, result } = await run((b, log, ledger) => {
    b.setSpout('src', () => new ListSpout(numbered(200), ledger));
    b.setBolt('sink', () => new RecordingBolt(log), 3).globalGrouping('src');
  });
  assert.equal(log.length, 200);
  const tasks = new Set(log.map((r) => r.task));
  assert.equal(tasks.size, 1);
  assert.equal(result.stats.sink!.tasks, 3);
  // Task ids are assigned by sorted component id: sink (tasks 2-4) comes after __acker (1).
  assert.equal([...tasks][0], 2);
});

test('direct grouping delivers to the named task only', async () => {
  const chosen = new Map<number, number>();
  const { log } = await run((b, log, ledger) => {
    b.setSpout(
      'src',
      () =>
        new ListSpout(numbered(90), ledger, {
          direct: (i, tasks) => {
            const t = tasks[i % tasks.length]!;
            chosen.set(i, t);
            return t;
          },
        }),
    );
    b.setBolt('sink', () => new RecordingBolt(log), 3).directGrouping('src');
  });
  assert.equal(log.length, 90);
  for (const r of log) assert.equal(r.task, chosen.get(Number(String(r.values[0]).slice(1))));
  assert.equal(byTask(log).size, 3);
});

test('none, localOrShuffle and partialKey groupings deliver every tuple exactly once', async () => {
  const items = Array.from({ length: 600 }, (_, i) => [`k${i % 5}`]);
  const logs: Record<string, Received[]> = { none: [], local: [], partial: [] };
  const ledger = new SpoutLedger();
  const b = new TopologyBuilder();
  b.setSpout('src', () => new ListSpout(items, ledger, { fields: ['key'] }));
  b.setBolt('none', () => new RecordingBolt(logs.none!), 2).noneGrouping('src');
  b.setBolt('local', () => new RecordingBolt(logs.local!), 2).localOrShuffleGrouping('src');
  b.setBolt('partial', () => new RecordingBolt(logs.partial!), 4).partialKeyGrouping('src', ['key']);
  await completeTopology(b.createTopology('g'));
  for (const l of Object.values(logs)) assert.equal(l.length, 600);
  const tasksPerKey = new Map<unknown, Set<number>>();
  for (const r of logs.partial!) tasksPerKey.set(r.values[0], (tasksPerKey.get(r.values[0]) ?? new Set()).add(r.task));
  for (const [key, tasks] of tasksPerKey) assert.ok(tasks.size <= 2, `partial key ${key} reached ${tasks.size} tasks`);
  assert.equal(ledger.ackCount, 600);
});

test('custom grouping chooses tasks through the user class', async () => {
  class EvenOdd implements CustomStreamGrouping {
    private tasks: readonly number[] = [];
    prepare(_c: unknown, _s: unknown, targetTasks: readonly number[]): void {
      this.tasks = targetTasks;
    }
    chooseTasks(_t: number, values: readonly unknown[]): readonly number[] {
      return [(values[0] as number) % 2 === 0 ? this.tasks[0]! : this.tasks[this.tasks.length - 1]!];
    }
  }
  const items = Array.from({ length: 100 }, (_, i) => [i]);
  const { log } = await run((b, log, ledger) => {
    b.setSpout('src', () => new ListSpout(items, ledger, { fields: ['n'] }));
    b.setBolt('sink', () => new RecordingBolt(log), 3).customGrouping('src', EvenOdd);
  });
  const tasks = byTask(log);
  assert.equal(tasks.size, 2);
  const [evenTask, oddTask] = [...tasks.keys()].sort((a, b) => a - b);
  for (const r of tasks.get(evenTask!)!) assert.equal((r.values[0] as number) % 2, 0);
  for (const r of tasks.get(oddTask!)!) assert.equal((r.values[0] as number) % 2, 1);
});

test('completeTopology with mocked sources returns what every component emitted', async () => {
  const log: Received[] = [];
  const b = new TopologyBuilder();
  b.setSpout('src', () => new ListSpout([], new SpoutLedger(), { fields: ['word'] }), 2);
  b.setBolt('echo', () => new RecordingBolt(log, ['word']), 2).shuffleGrouping('src');
  const result = await completeTopology(b.createTopology('mock'), { mockSources: { src: [['a'], ['b'], ['c']] } });
  assert.deepEqual(result.emitted.src!.default!.map((v) => v[0]).sort(), ['a', 'b', 'c']);
  assert.deepEqual(result.emitted.echo!.default!.map((v) => v[0]).sort(), ['a', 'b', 'c']);
  assert.equal(result.stats.src!.acked, 3);
});
