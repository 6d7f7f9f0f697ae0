import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import Fastify from 'fastify';
import { pb } from '@squall/protocol';
import {
  ClusterSummarySchema,
  ComponentPageSchema,
  NimbusSummaryListSchema,
  SupervisorSummaryListSchema,
  TopologyPageSchema,
  TopologySummaryListSchema,
  VisualizationSchema,
} from '../src/rest-schema';
import {
  clusterSummaryJson,
  componentJson,
  nimbusSummaryJson,
  supervisorSummaryJson,
  topologyJson,
  topologySummaryJson,
} from '../src/storm-json';

// The REST contract: what storm-json.ts builds must match rest-schema.ts exactly (the schemas refuse unlisted fields),
// and Fastify's serializer, which writes answers from those schemas, must write the same JSON as JSON.stringify (no
// field dropped, none coerced). Field order follows the schema, where optional fields come last.

const lat = (count: number, sumMs: number): pb.ILatencySummary => ({ count, sumMs });

const cluster: pb.IClusterInfo = {
  nimbuses: [
    { host: 'n1', port: 6627, isLeader: true, version: '0.1.0', uptimeSecs: 3700 },
    { host: 'n2', port: 6627, isLeader: false, version: '0.1.0', uptimeSecs: 10 },
  ],
  supervisors: [{ id: 's1', host: 'h1', uptimeSecs: 61, slotsTotal: 4, slotsUsed: 1, version: '0.1.0' }],
  topologies: [
    {
      id: 'wc-1-100',
      name: 'wc',
      status: pb.TopologyStatus.TOPOLOGY_STATUS_ACTIVE,
      uptimeSecs: 125,
      numWorkers: 1,
      numExecutors: 4,
      numTasks: 3,
      owner: 'me',
    },
  ],
};

const info: pb.ITopologyInfo = {
  summary: cluster.topologies![0]!,
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
      stats: { executed: 10, capacity: 0.25, inputs: [{ component: 'words', stream: 'default', executed: 10 }] },
      lastError: { component: 'count', error: 'boom', timeMs: 1_000_000, host: 'h1', port: 6700, task: 2 },
    },
  ],
  topologyStats: [600, 0].map((w) => ({
    windowSecs: w,
    stats: { emitted: 20, acked: 9, completeLatency: lat(9, 18) },
  })),
  errors: [{ component: 'count', error: 'boom', timeMs: 1_000_000, host: 'h1', port: 6700, task: 2 }],
  confJson: JSON.stringify({
    'topology.message.timeout.secs': 45,
    'topology.debug': true,
    nested: { a: [1, 'x', null] },
  }),
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

const component = (type: pb.ComponentType): pb.IComponentInfo => ({
  topologyId: 'wc-1-100',
  topologyName: 'wc',
  component: type === pb.ComponentType.COMPONENT_TYPE_SPOUT ? 'words' : 'count',
  type,
  numExecutors: 1,
  numTasks: 2,
  windowSecs: 0,
  stats: {
    outputs: [{ stream: 'default', emitted: 5, transferred: 5, acked: 4, completeLatency: lat(4, 2) }],
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
});

const documents: Array<[string, TSchema, unknown]> = [
  ['cluster summary', ClusterSummarySchema, clusterSummaryJson(cluster)],
  ['nimbus summary', NimbusSummaryListSchema, nimbusSummaryJson(cluster)],
  ['supervisor summary', SupervisorSummaryListSchema, supervisorSummaryJson(cluster)],
  ['topology summary', TopologySummaryListSchema, { topologies: cluster.topologies!.map(topologySummaryJson) }],
  ['topology', TopologyPageSchema, topologyJson(info, true, 1_065_000)],
  [
    'topology, configuration hidden',
    TopologyPageSchema,
    { ...topologyJson(info, false, 1_065_000), configuration: {}, configurationHidden: 'send the token' },
  ],
  ['topology without spec or stats', TopologyPageSchema, topologyJson({ summary: { id: 'x' } }, false)],
  ['visualization', VisualizationSchema, topologyJson(info, false).visualization],
  ['bolt', ComponentPageSchema, componentJson(component(pb.ComponentType.COMPONENT_TYPE_BOLT), 'ACTIVE', 12_000)],
  ['spout', ComponentPageSchema, componentJson(component(pb.ComponentType.COMPONENT_TYPE_SPOUT), 'ACTIVE', 12_000)],
];

test('every REST document matches its schema exactly', () => {
  for (const [name, schema, doc] of documents) {
    const problems = [...Value.Errors(schema, doc)].map((e) => `${e.path}: ${e.message}`);
    assert.deepEqual(problems, [], name);
  }
});

test("Fastify's schema serializer writes the same JSON as JSON.stringify for every document", async () => {
  const app = Fastify();
  documents.forEach(([, schema, doc], i) =>
    app.get(`/${i}`, { schema: { response: { 200: schema } } }, async () => doc),
  );
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    for (const [i, [name, , doc]] of documents.entries()) {
      const res = await fetch(`${base}/${i}`);
      assert.equal(res.status, 200, name);
      assert.deepStrictEqual(JSON.parse(await res.text()), JSON.parse(JSON.stringify(doc)), name);
    }
  } finally {
    await app.close();
  }
});
