import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { createLogger } from '@squall/core';
import {
  authInterceptor,
  largestMessage,
  serverCredentials,
  serverOptions,
  WorkerService,
  type pb,
} from '@squall/protocol';
import { PeerSender } from '../src/peer-sender';
import { TRANSFER_BATCH_TARGET_BYTES, transferMessageLimit, workerPolicies } from '../src/transfer-service';

// A receiving server with the Worker service's real credential check and receive limit, recording what arrives.
const MAX_TUPLE = 300_000;
const TOPOLOGY = 'sizes-1-1';
const SECRET = 'the-topology-secret';
let server: grpc.Server;
let address = '';
const received: number[] = [];
let tuples = 0;
const refused: string[] = [];
const log = createLogger({ destination: { write: () => true } as never });

before(async () => {
  const policies = workerPolicies(MAX_TUPLE);
  server = new grpc.Server(
    serverOptions(largestMessage(policies), {
      interceptors: [
        authInterceptor({
          policies,
          audiences: () => [address],
          topologySecret: (id) => (id === TOPOLOGY ? SECRET : undefined),
          onRefused: (r) => refused.push(r.reason),
        }),
      ],
    }),
  );
  server.addService(
    WorkerService as unknown as grpc.ServiceDefinition,
    {
      transfer: (call: grpc.ServerDuplexStream<pb.TransferMessage, pb.ITransferMessage>) => {
        call.on('data', (m: pb.TransferMessage) => {
          if (m.hello) call.write({ credit: { tupleLimit: 1_000_000 } });
          else if (m.batch) {
            received.push(m.batch.payload?.length ?? 0);
            tuples += Number(m.batch.count);
          }
        });
        call.on('end', () => call.end());
      },
      ping: (_call: unknown, cb: grpc.sendUnaryData<pb.IPingResponse>) => cb(null, {}),
    } as unknown as grpc.UntypedServiceImplementation,
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', serverCredentials(undefined), (err, p) => (err ? reject(err) : resolve(p))),
  );
  address = `127.0.0.1:${port}`;
});
after(() => server.forceShutdown());

const sender = (secret: string) =>
  new PeerSender({
    address,
    self: '127.0.0.1:1',
    topologyId: TOPOLOGY,
    secret,
    batchSize: 1000,
    maxBuffered: 100_000,
    maxTupleBytes: MAX_TUPLE,
    log,
    onWritable: () => undefined,
    onPressure: () => undefined,
  });

async function until(what: string, cond: () => boolean, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("a sender seals batches by bytes as well as by count, so every batch fits the receiver's limit; all tuples arrive", async () => {
  const s = sender(SECRET);
  try {
    // 40 tuples of ~250 KB: far under 1000 tuples, but 10 MB in all.
    for (let i = 0; i < 40; i++)
      s.add({ targetTask: 1, sourceTask: 2, stream: 'default', anchors: null, values: ['x'.repeat(250_000), i] });
    s.flush(0);
    await until('40 tuples', () => tuples === 40);
    const limit = transferMessageLimit(MAX_TUPLE);
    assert.ok(
      received.every((n) => n < TRANSFER_BATCH_TARGET_BYTES + MAX_TUPLE && n < limit),
      `batch sizes ${received.join(', ')} within ${limit}`,
    );
    assert.ok(received.length >= 8, `${received.length} batches`);
    assert.ok(Math.max(...received) >= TRANSFER_BATCH_TARGET_BYTES, 'batches fill up to the byte target');
    assert.deepEqual(refused, []);
  } finally {
    s.close();
  }
});

test('a sender with the wrong secret is refused by the proof check; nothing it sends is delivered', async () => {
  const before = tuples;
  const s = sender('not-the-secret');
  try {
    s.add({ targetTask: 1, sourceTask: 2, stream: 'default', anchors: null, values: ['sneaky'] });
    s.flush(0);
    await until('a refusal', () => refused.length > 0);
    assert.equal(refused[0], 'wrong credential');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(tuples, before);
  } finally {
    s.close();
  }
});
