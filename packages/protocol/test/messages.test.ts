import assert from 'node:assert/strict';
import { it } from 'node:test';
import { pb } from '../src/index';

it('generated messages round-trip, with 64-bit fields as numbers', () => {
  const info: pb.ITopologyInfo = {
    summary: {
      id: 'words-1-1700000000',
      name: 'words',
      status: pb.TopologyStatus.TOPOLOGY_STATUS_ACTIVE,
      uptimeSecs: 2 ** 40,
      launchTimeMs: 1_700_000_000_123,
    },
    workers: [{ host: 'h1', port: 6700, executors: [{ taskStart: 1, taskEnd: 2 }], components: ['split'] }],
    components: [
      {
        component: 'split',
        type: pb.ComponentType.COMPONENT_TYPE_BOLT,
        stats: {
          executed: 2 ** 53 - 1,
          capacity: 0.25,
          executeLatency: { count: 3, sumMs: 1.5, minMs: 0.25, maxMs: 1, buckets: [0, 0, 1, 2] },
          inputs: [{ component: 'spout', stream: 'default', executed: 3 }],
        },
        lastError: { component: 'split', error: 'boom', timeMs: 1_700_000_000_000 },
      },
    ],
  };
  const decoded = pb.TopologyInfo.decode(pb.TopologyInfo.encode(info).finish());
  assert.equal(decoded.summary?.uptimeSecs, 2 ** 40);
  assert.equal(typeof decoded.summary?.launchTimeMs, 'number');
  assert.equal(decoded.components[0]?.stats?.executed, 2 ** 53 - 1);
  assert.deepEqual(decoded.components[0]?.stats?.executeLatency?.buckets, [0, 0, 1, 2]);
  assert.equal(decoded.workers[0]?.supervisorId, '', 'unset strings read as defaults');
  assert.deepEqual(pb.TopologyInfo.toObject(decoded, { enums: String }).summary.status, 'TOPOLOGY_STATUS_ACTIVE');
});

it('distinguishes unset proto3 optional fields, maps and oneofs', () => {
  const unset = pb.RebalanceRequest.decode(pb.RebalanceRequest.encode({ name: 't' }).finish());
  assert.equal(unset.waitSecs ?? null, null);
  const zero = pb.RebalanceRequest.decode(
    pb.RebalanceRequest.encode({ name: 't', waitSecs: 0, componentExecutors: { split: 4 } }).finish(),
  );
  assert.equal(zero.waitSecs, 0);
  assert.deepEqual({ ...zero.componentExecutors }, { split: 4 });

  const hello = pb.TransferMessage.decode(
    pb.TransferMessage.encode({ hello: { topologyId: 't', secret: 's' } }).finish(),
  );
  assert.equal(hello.kind, 'hello');
  assert.equal(hello.hello?.secret, 's');
  const chunk = pb.SubmitTopologyRequest.decode(
    pb.SubmitTopologyRequest.encode({ chunk: Buffer.from('abc') }).finish(),
  );
  assert.equal(chunk.kind, 'chunk');
  assert.equal(Buffer.from(chunk.chunk as Uint8Array).toString(), 'abc');
});
