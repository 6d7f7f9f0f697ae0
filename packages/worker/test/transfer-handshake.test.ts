// The Worker service's side of a Transfer stream's opening, over a real gRPC server: a peer proves the topology's secret
// in its call metadata (checked by the interceptor before any message is read), then says Hello for this topology and
// this worker before any batch is taken.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { silentLogger } from '@squall/core';
import { createWorkerClient, pb, TUPLE_CODEC_VERSION, unaryCall, WorkerService, type WorkerClient } from '@squall/protocol';
import { createWorkerHandlers } from '../src';

const TOPOLOGY = 'wc-1-1700000000';
const SECRET = 'topology-secret';
let server: grpc.Server;
let address: string;
let client: WorkerClient;
/** A client proving the wrong secret. */
let guesser: WorkerClient;
let closeTransfers: () => void;

before(async () => {
  // No runtime yet: the state of a worker whose executors are still being created.
  // The address is known once bound: the handlers read `self` when a call comes (proofs are bound to it).
  const options = { topologyId: TOPOLOGY, secret: SECRET, self: '', runtime: () => undefined, converter: () => undefined, window: 64, maxTupleBytes: 1 << 20, log: silentLogger(), startedMs: Date.now() };
  const transfers = createWorkerHandlers(options);
  server = new grpc.Server(transfers.serverOptions);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  address = `127.0.0.1:${port}`;
  options.self = address;
  closeTransfers = transfers.close;
  server.addService(WorkerService as unknown as grpc.ServiceDefinition, transfers.handlers as unknown as grpc.UntypedServiceImplementation);
  client = createWorkerClient(address, { topologyCredential: { topologyId: TOPOLOGY, secret: SECRET } });
  guesser = createWorkerClient(address, { topologyCredential: { topologyId: TOPOLOGY, secret: 'guess' } });
});

after(() => {
  closeTransfers?.();
  client?.close();
  guesser?.close();
  server?.forceShutdown();
});

/** Opens a Transfer stream, writes `messages`, and collects what comes back until the stream ends. */
function transfer(messages: pb.ITransferMessage[], endAfter = true, via: WorkerClient = client): Promise<{ received: pb.TransferMessage[]; status: grpc.StatusObject }> {
  const call = via.transfer();
  const received: pb.TransferMessage[] = [];
  return new Promise((resolve) => {
    call.on('data', (m: pb.TransferMessage) => {
      received.push(m);
      // A granted Hello: end the stream from our side, the server ends it too.
      if (endAfter && m.credit) call.end();
    });
    call.on('error', () => undefined);
    call.on('status', (status: grpc.StatusObject) => resolve({ received, status }));
    for (const m of messages) call.write(m);
  });
}

const hello = (over: Partial<pb.IHello> = {}): pb.ITransferMessage => ({
  hello: { topologyId: TOPOLOGY, secret: SECRET, fromWorker: '127.0.0.1:6799', toWorker: address, codecVersion: TUPLE_CODEC_VERSION, ...over },
});

test('a Hello with the secret, topology and worker right is answered with the initial credit', async () => {
  const { received, status } = await transfer([hello()]);
  assert.equal(status.code, grpc.status.OK);
  assert.equal(received.length, 1);
  assert.equal(received[0]!.credit?.tupleLimit, 64);
});

test('a stream proving the wrong secret is refused UNAUTHENTICATED before its Hello is read', async () => {
  const { received, status } = await transfer([hello()], true, guesser);
  assert.deepEqual(received, []);
  assert.equal(status.code, grpc.status.UNAUTHENTICATED);
});

test('a Hello for another topology or another worker is refused, naming both', async () => {
  const other = await transfer([hello({ topologyId: 'other-2-2' })]);
  assert.equal(other.status.code, grpc.status.FAILED_PRECONDITION);
  assert.equal(other.status.details, `this worker runs ${TOPOLOGY}, not other-2-2`);
  const moved = await transfer([hello({ toWorker: '127.0.0.1:1' })]);
  assert.equal(moved.status.code, grpc.status.FAILED_PRECONDITION);
  assert.equal(moved.status.details, `this worker is ${address}, not 127.0.0.1:1`);
});

test('a batch before Hello is refused', async () => {
  const { status } = await transfer([{ batch: { seq: 1, count: 0, payload: new Uint8Array(0) } }]);
  assert.equal(status.code, grpc.status.FAILED_PRECONDITION);
  assert.equal(status.details, 'first message must be Hello');
});

test('a batch after Hello while the executors are not created yet is refused UNAVAILABLE (the peer retries)', async () => {
  const { status } = await transfer([hello(), { batch: { seq: 1, count: 0, payload: new Uint8Array(0) } }], false);
  assert.equal(status.code, grpc.status.UNAVAILABLE);
  assert.equal(status.details, 'worker not ready');
});

test('Ping answers with the topology and the worker address', async () => {
  const pong = await unaryCall(client, WorkerService.ping, { nonce: 7 });
  assert.equal(Number(pong.nonce), 7);
  assert.equal(pong.topologyId, TOPOLOGY);
  assert.equal(pong.worker, address);
});
