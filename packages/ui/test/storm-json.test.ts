import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pb } from '@squall/protocol';
import { HttpError } from '../src/errors';
import { componentJson, parseWindow, prettyUptime, topologyJson, windowKey, windowPretty } from '../src/storm-json';

test("Storm's formats: uptimes, windows, window parameter", () => {
  assert.equal(prettyUptime(0), '0s');
  assert.equal(prettyUptime(65), '1m 5s');
  assert.equal(prettyUptime(3600), '1h 0m 0s');
  assert.equal(prettyUptime(90061), '1d 1h 1m 1s');
  assert.deepEqual([600, 10800, 86400, 0].map(windowPretty), ['10m 0s', '3h 0m 0s', '1d 0h 0m 0s', 'All time']);
  assert.deepEqual([600, 0].map(windowKey), ['600', ':all-time']);
  assert.equal(parseWindow(null), 0);
  assert.equal(parseWindow(':all-time'), 0);
  assert.equal(parseWindow('10800'), 10800);
  assert.throws(
    () => parseWindow('10m'),
    (e: unknown) => e instanceof HttpError && e.status === 400 && /window/.test(e.message),
  );
  assert.throws(() => parseWindow('-5'), HttpError);
  assert.equal(parseWindow('0'), 0);
  for (const bad of ['7', '601', '99999999999999999999'])
    assert.throws(
      () => parseWindow(bad),
      (e: unknown) =>
        e instanceof HttpError &&
        e.status === 400 &&
        e.message === `window must be one of 600, 10800, 86400 (seconds) or :all-time, got '${bad}'`,
    );
});

const lat = (count: number, sumMs: number): pb.ILatencySummary => ({ count, sumMs });

const info: pb.ITopologyInfo = {
  summary: {
    id: 'wc-1-100',
    name: 'wc',
    status: pb.TopologyStatus.TOPOLOGY_STATUS_ACTIVE,
    uptimeSecs: 125,
    numWorkers: 1,
    numExecutors: 4,
    numTasks: 3,
    owner: 'me',
  },
  windowSecs: 600,
  workers: [
    {
      supervisorId: 's1',
      host: 'h1',
      port: 6700,
      status: pb.WorkerStatus.WORKER_STATUS_RUNNING,
      uptimeSecs: 60,
      executors: [{ taskStart: 1, taskEnd: 1 }],
      components: ['words'],
      componentNumTasks: { words: 1, count: 2 },
    },
  ],
  components: [
    {
      component: 'words',
      type: pb.ComponentType.COMPONENT_TYPE_SPOUT,
      numExecutors: 1,
      numTasks: 1,
      stats: { emitted: 10, transferred: 10, acked: 9, failed: 1, completeLatency: lat(9, 18) },
    },
    {
      component: 'count',
      type: pb.ComponentType.COMPONENT_TYPE_BOLT,
      numExecutors: 2,
      numTasks: 2,
      stats: {
        emitted: 10,
        transferred: 10,
        executed: 10,
        acked: 10,
        executeLatency: lat(10, 1),
        processLatency: lat(10, 2.5),
        capacity: 0.25,
        inputs: [{ component: 'words', stream: 'default', executed: 10 }],
      },
      lastError: { component: 'count', error: 'boom', timeMs: 1_000_000, host: 'h1', port: 6700, task: 2 },
    },
    {
      component: '__acker',
      type: pb.ComponentType.COMPONENT_TYPE_SYSTEM,
      numExecutors: 1,
      numTasks: 1,
      stats: { executed: 20 },
    },
  ],
  topologyStats: [600, 10800, 86400, 0].map((w) => ({
    windowSecs: w,
    stats: { emitted: 20, transferred: 20, acked: 9, failed: 1, completeLatency: lat(9, 18) },
  })),
  confJson: JSON.stringify({ 'topology.message.timeout.secs': 45 }),
  specJson: JSON.stringify({
    components: [
      { id: 'words', kind: 'spout', inputs: [] },
      {
        id: 'count',
        kind: 'bolt',
        inputs: [{ component: 'words', stream: 'default', grouping: { type: 'FIELDS', fields: ['word'] } }],
      },
    ],
  }),
};

test('topology document: Storm field names and formats, edges from the spec, system components only with sys', () => {
  const t = topologyJson(info, false, 1_065_000);
  assert.equal(t.uptime, '2m 5s');
  assert.equal(t.window, '600');
  assert.equal(t.windowHint, '10m 0s');
  assert.equal(t.msgTimeout, 45);
  assert.deepEqual(
    t.topologyStats.map((w) => w.window),
    ['600', '10800', '86400', ':all-time'],
  );
  assert.equal(t.topologyStats[0]!.completeLatency, '2.000');
  assert.deepEqual(t.spouts, [
    {
      spoutId: 'words',
      encodedSpoutId: 'words',
      executors: 1,
      tasks: 1,
      emitted: 10,
      transferred: 10,
      completeLatency: '2.000',
      acked: 9,
      failed: 1,
      lastError: '',
      errorHost: '',
      errorPort: null,
      errorWorkerLogLink: '',
      errorTime: null,
      errorLapsedSecs: null,
    },
  ]);
  assert.equal(t.bolts.length, 1);
  const count = t.bolts[0]!;
  assert.equal(count.capacity, '0.250');
  assert.equal(count.executeLatency, '0.100');
  assert.equal(count.processLatency, '0.250');
  assert.equal(count.lastError, 'boom');
  assert.equal(count.errorTime, 1000);
  assert.equal(count.errorLapsedSecs, 65);
  assert.deepEqual(t.edges, [
    { source: 'words', target: 'count', stream: 'default', grouping: 'fields [word]', executed: 10 },
  ]);
  assert.equal(t.visualization.count![':inputs'][0]![':grouping'], 'fields [word]');
  assert.deepEqual(t.workers[0]!.componentNumTasks, { words: 1, count: 2 });
  assert.match(t.workers[0]!.workerLogLink, /topologyId=wc-1-100&host=h1&port=6700/);
  assert.deepEqual(
    topologyJson(info, true).bolts.map((b) => b.boltId),
    ['count', '__acker'],
  );
});

test('component document: bolt stats per window, input and output streams, executors', () => {
  const c = componentJson(
    {
      topologyId: 'wc-1-100',
      topologyName: 'wc',
      component: 'count',
      type: pb.ComponentType.COMPONENT_TYPE_BOLT,
      numExecutors: 1,
      numTasks: 2,
      windowSecs: 0,
      stats: {
        outputs: [{ stream: 'default', emitted: 5, transferred: 5 }],
        inputs: [{ component: 'words', stream: 'default', executed: 5, acked: 5, executeLatency: lat(5, 5) }],
      },
      executors: [
        {
          executor: { taskStart: 2, taskEnd: 3 },
          host: 'h1',
          port: 6700,
          uptimeSecs: 30,
          stats: { executed: 5, capacity: 0.1 },
        },
      ],
      windowStats: [
        { windowSecs: 600, stats: { executed: 5 } },
        { windowSecs: 0, stats: { executed: 7 } },
      ],
      errors: [{ component: 'count', error: 'boom', timeMs: 2000, host: 'h1', port: 6700, task: 2 }],
    },
    'ACTIVE',
    12_000,
  );
  assert.equal(c.componentType, 'bolt');
  assert.equal(c.window, ':all-time');
  assert.deepEqual(
    (c as { boltStats?: Array<{ window: string; executed: number }> }).boltStats!.map((w) => [w.window, w.executed]),
    [
      ['600', 5],
      [':all-time', 7],
    ],
  );
  assert.equal('spoutSummary' in c, false);
  assert.deepEqual(c.inputStats, [
    {
      component: 'words',
      encodedComponentId: 'words',
      stream: 'default',
      executeLatency: '1.000',
      processLatency: '0.000',
      executed: 5,
      acked: 5,
      failed: 0,
    },
  ]);
  assert.deepEqual(c.outputStats, [{ stream: 'default', emitted: 5, transferred: 5 }]);
  assert.equal(c.executorStats[0]!.id, '[2-3]');
  assert.equal(c.executorStats[0]!.uptime, '30s');
  assert.deepEqual(
    c.componentErrors.map((e) => [e.error, e.time, e.errorTime, e.errorLapsedSecs]),
    [['boom', 2000, 2, 10]],
  );
});
