// The Worker service's side of a Transfer stream's opening, over a real gRPC server: a peer proves the topology's secret
// in its call metadata (checked by the interceptor before any message is read), then says Hello for this topology and
// this worker before any batch is taken.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { Bolt, Spout, computeLayout, fields, topology, type OutputFieldsDeclarer, type Tuple } from '@squall/api';
import { effectiveConfig, silentLogger } from '@squall/core';
import { TopologyModel, WorkerRuntime } from '@squall/engine';
import {
  createWorkerClient,
  encodeBatch,
  pb,
  TUPLE_CODEC_VERSION,
  unaryCall,
  WorkerService,
  type WorkerClient,
} from '@squall/protocol';
import { createWorkerHandlers, WireConverter, workerServerOptions } from '../src';

const TOPOLOGY = 'wc-1-1700000000';
const SECRET = 'topology-secret';
let server: grpc.Server;
let address: string;
let client: WorkerClient;
/** A client proving the wrong secret. */
let guesser: WorkerClient;
let closeTransfers: () => void;
let runtime: WorkerRuntime;
let converter: WireConverter;
let countTask: number;
let wordTask: number;

class Words extends Spout {
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word']);
  }
  override nextTuple(): void {}
}

/** Words delivered to the count bolt of this worker. */
const counted: string[] = [];
class Count extends Bolt {
  override execute(t: Tuple): void {
    counted.push(String(t.getValue(0)));
  }
}

before(async () => {
  // This worker runs the count bolt; the spout is elsewhere. A real runtime, so delivered tuples reach the bolt.
  const topo = topology('wc', { word: Words.spec(), count: Count.spec({ inputs: { word: fields('word') } }) });
  const conf = effectiveConfig({ 'topology.acker.executors': 0, 'topology.workers': 2 });
  const layout = computeLayout(topo.spec, conf);
  const mine = layout.executors.filter((e) => e.component === 'count');
  countTask = mine[0]!.startTask;
  wordTask = layout.executors.find((e) => e.component === 'word')!.startTask;
  const holding = { send() {}, sendValues() {}, flush() {}, setListeners() {} };
  runtime = await WorkerRuntime.create({
    topologyId: TOPOLOGY,
    spec: topo.spec,
    registry: topo,
    layout,
    conf,
    transport: holding,
    executors: mine,
  });
  runtime.start(true);
  converter = new WireConverter(new TopologyModel(TOPOLOGY, topo.spec, layout));
  // The address is known once bound: the credential check reads `self` when a call comes (proofs are bound to it).
  const identity = { topologyId: TOPOLOGY, secret: SECRET, self: '', maxTupleBytes: 1 << 20, log: silentLogger() };
  server = new grpc.Server(workerServerOptions(identity).serverOptions);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  address = `127.0.0.1:${port}`;
  identity.self = address;
  const transfers = createWorkerHandlers({ ...identity, runtime, converter, window: 64, startedMs: Date.now() });
  runtime.setAfterPass(transfers.retryCredit);
  closeTransfers = transfers.close;
  server.addService(
    WorkerService as unknown as grpc.ServiceDefinition,
    transfers.handlers as unknown as grpc.UntypedServiceImplementation,
  );
  client = createWorkerClient(address, { topologyCredential: { topologyId: TOPOLOGY, secret: SECRET } });
  guesser = createWorkerClient(address, { topologyCredential: { topologyId: TOPOLOGY, secret: 'guess' } });
});

after(async () => {
  await runtime?.shutdown(0);
  closeTransfers?.();
  client?.close();
  guesser?.close();
  server?.forceShutdown();
});

/** Opens a Transfer stream, writes `messages`, and collects what comes back until the stream ends. */
function transfer(
  messages: pb.ITransferMessage[],
  endAfter = true,
  via: WorkerClient = client,
): Promise<{ received: pb.TransferMessage[]; status: grpc.StatusObject }> {
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
  hello: {
    topologyId: TOPOLOGY,
    secret: SECRET,
    fromWorker: '127.0.0.1:6799',
    toWorker: address,
    codecVersion: TUPLE_CODEC_VERSION,
    ...over,
  },
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

test('a batch after Hello is delivered into the runtime: the bolt executes its tuples', async () => {
  // toWire fills one scratch tuple: copy each.
  const batch = encodeBatch([
    { ...converter.toWire(countTask, wordTask, 'default', null, ['storm']) },
    { ...converter.toWire(countTask, wordTask, 'default', null, ['squall']) },
  ]);
  const call = client.transfer();
  call.on('error', () => undefined);
  call.write(hello());
  call.write({ batch: { seq: 1, count: 2, payload: batch } });
  const deadline = Date.now() + 10000;
  while (counted.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  call.end();
  assert.deepEqual(counted, ['storm', 'squall']);
});

test('a batch declaring more tuples than it holds is refused INVALID_ARGUMENT, naming the sender', async () => {
  const { status } = await transfer(
    [
      hello(),
      {
        batch: {
          seq: 1,
          count: 3,
          payload: encodeBatch([converter.toWire(countTask, wordTask, 'default', null, ['x'])]),
        },
      },
    ],
    false,
  );
  assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
  assert.equal(status.details, 'bad batch from 127.0.0.1:6799: declares 3 tuples but holds 1');
});

test('Ping answers with the topology and the worker address', async () => {
  const pong = await unaryCall(client, WorkerService.ping, { nonce: 7 });
  assert.equal(Number(pong.nonce), 7);
  assert.equal(pong.topologyId, TOPOLOGY);
  assert.equal(pong.worker, address);
});
