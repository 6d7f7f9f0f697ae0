import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import {
  BatchEncoder,
  bearerToken,
  createNimbusClient,
  createWorkerClient,
  decodeBatch,
  DEFAULT_PACKAGE_CHUNK_BYTES,
  NimbusService,
  pb,
  ReceiveWindow,
  SendWindow,
  serverOptions,
  tokenMatches,
  TUPLE_CODEC_VERSION,
  unaryCall,
  WorkerService,
  type NimbusClient,
  type NimbusHandlers,
  type WorkerClient,
  type WorkerHandlers,
} from '../src/index';

const TOKEN = 'nimbus-token';
const SECRET = 'topology-secret';
const WINDOW = 10;
const packageBytes = Buffer.from(
  Array.from({ length: 3 * DEFAULT_PACKAGE_CHUNK_BYTES + 123 }, (_, i) => (i * 31) % 256),
);
const packageDigest = createHash('sha256').update(packageBytes).digest('hex');

const status = (code: grpc.status, details: string): Partial<grpc.StatusObject> => ({ code, details });
const authorized = (call: { metadata: grpc.Metadata }): boolean => tokenMatches(TOKEN, bearerToken(call.metadata));
const notHere: grpc.handleUnaryCall<unknown, never> = (_call, callback) =>
  callback(status(grpc.status.UNIMPLEMENTED, 'not in this test'));

const nimbus: NimbusHandlers = {
  getLeader: (call, callback) =>
    authorized(call)
      ? callback(null, { host: '127.0.0.1', port: 6627 })
      : callback(status(grpc.status.UNAUTHENTICATED, 'bad token')),
  submitTopology: (call, callback) => {
    let header: pb.ISubmitHeader | undefined;
    const hash = createHash('sha256');
    let size = 0;
    call.on('data', (message: pb.SubmitTopologyRequest) => {
      if (message.kind === 'header') header = message.header ?? undefined;
      else if (message.chunk) {
        hash.update(message.chunk);
        size += message.chunk.length;
      }
    });
    call.on('end', () => {
      if (!authorized(call)) return callback(status(grpc.status.UNAUTHENTICATED, 'bad token'));
      if (!header || header.packageDigest !== hash.digest('hex') || header.packageSize !== size) {
        return callback(status(grpc.status.INVALID_ARGUMENT, 'package does not match its header'));
      }
      callback(null, { topologyId: `${header.name}-1-1700000000` });
    });
  },
  downloadPackage: (call) => {
    if (call.request.digest !== packageDigest) {
      call.emit('error', status(grpc.status.NOT_FOUND, 'no such package'));
      return;
    }
    call.write({ header: { digest: packageDigest, size: packageBytes.length } });
    for (let at = 0; at < packageBytes.length; at += DEFAULT_PACKAGE_CHUNK_BYTES) {
      call.write({ chunk: packageBytes.subarray(at, at + DEFAULT_PACKAGE_CHUNK_BYTES) });
    }
    call.end();
  },
  killTopology: notHere,
  activate: notHere,
  deactivate: notHere,
  rebalance: notHere,
  listTopologies: notHere,
  getTopologyInfo: notHere,
  getTopologyLogs: notHere,
  getClusterInfo: notHere,
  getComponentInfo: notHere,
  supervisorHeartbeat: notHere,
  setDebug: notHere,
  setLogLevel: notHere,
  tap: (call) => call.emit('error', status(grpc.status.UNIMPLEMENTED, 'not in this test')),
};

// The consumer side of Transfer: checks the secret, then grants credit only as a deliberately slow "executor" takes
// tuples (one per timer tick), and records what arrived.
const received: unknown[] = [];
let maxBuffered = 0;
const worker: WorkerHandlers = {
  ping: (call, callback) => callback(null, { nonce: call.request.nonce, worker: '127.0.0.1:6700' }),
  applyDebugOptions: notHere,
  tap: (call) => call.emit('error', status(grpc.status.UNIMPLEMENTED, 'not in this test')),
  transfer: (call) => {
    const window = new ReceiveWindow({ window: WINDOW });
    const queue: unknown[][] = [];
    let accepted = false;
    let ended = false;
    const drain = setInterval(() => {
      const values = queue.shift();
      if (values) {
        received.push(values[0]);
        const limit = window.onTaken(1);
        if (limit !== undefined) call.write({ credit: { tupleLimit: limit } });
      } else if (ended) {
        clearInterval(drain);
        call.end();
      }
    }, 1);
    call.on('data', (message: pb.TransferMessage) => {
      if (!accepted) {
        if (message.kind !== 'hello' || message.hello?.secret !== SECRET) {
          clearInterval(drain);
          call.emit('error', status(grpc.status.UNAUTHENTICATED, 'bad topology secret'));
          return;
        }
        accepted = true;
        call.write({ credit: { tupleLimit: window.initialCredit } });
        return;
      }
      if (message.kind !== 'batch') return;
      // Decoded sub-messages are typed by their interface, whose fields are optional, though defaults are filled in.
      const batch = message.batch as pb.TupleBatch;
      window.onReceived(batch.count);
      for (const tuple of decodeBatch(batch.payload)) queue.push(tuple.values);
      maxBuffered = Math.max(maxBuffered, window.buffered);
    });
    call.on('end', () => {
      ended = true;
    });
    call.on('cancelled', () => clearInterval(drain));
  },
};

describe('gRPC services over a real in-process server', { timeout: 30_000 }, () => {
  let server: grpc.Server;
  let address: string;
  let nimbusClient: NimbusClient;
  let workerClient: WorkerClient;

  before(async () => {
    server = new grpc.Server(serverOptions());
    server.addService(NimbusService, nimbus);
    server.addService(WorkerService, worker);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, p) =>
        error ? reject(error) : resolve(p),
      ),
    );
    address = `127.0.0.1:${port}`;
    nimbusClient = createNimbusClient(address, { authToken: TOKEN });
    workerClient = createWorkerClient(address);
  });

  after(() => {
    nimbusClient?.close();
    workerClient?.close();
    server?.forceShutdown();
  });

  it('makes unary calls with the client token, and refuses calls without it', async () => {
    assert.deepEqual(
      await unaryCall(nimbusClient, NimbusService.getLeader, {}),
      pb.GetLeaderResponse.create({ host: '127.0.0.1', port: 6627 }),
    );
    const anonymous = createNimbusClient(address);
    try {
      await assert.rejects(unaryCall(anonymous, NimbusService.getLeader, {}), { code: grpc.status.UNAUTHENTICATED });
    } finally {
      anonymous.close();
    }
    const pong = await unaryCall(workerClient, WorkerService.ping, { nonce: 2 ** 40 });
    assert.equal(pong.nonce, 2 ** 40);
  });

  it('uploads a package with the client-streamed SubmitTopology', async () => {
    const submit = (bytes: Buffer): Promise<pb.SubmitTopologyResponse> =>
      new Promise((resolve, reject) => {
        const call = nimbusClient.submitTopology((error, response) =>
          error ? reject(error) : resolve(response as pb.SubmitTopologyResponse),
        );
        call.write({
          header: { name: 'words', specJson: '{}', confJson: '{}', packageDigest, packageSize: packageBytes.length },
        });
        for (let at = 0; at < bytes.length; at += DEFAULT_PACKAGE_CHUNK_BYTES)
          call.write({ chunk: bytes.subarray(at, at + DEFAULT_PACKAGE_CHUNK_BYTES) });
        call.end();
      });
    assert.equal((await submit(packageBytes)).topologyId, 'words-1-1700000000');
    await assert.rejects(submit(packageBytes.subarray(1)), { code: grpc.status.INVALID_ARGUMENT });
  });

  it('downloads a package with the server-streamed DownloadPackage', async () => {
    const messages: pb.DownloadPackageResponse[] = [];
    for await (const message of nimbusClient.downloadPackage({ digest: packageDigest }))
      messages.push(message as pb.DownloadPackageResponse);
    assert.equal(messages[0]?.kind, 'header');
    assert.equal(messages[0]?.header?.size, packageBytes.length);
    assert.ok(Buffer.concat(messages.slice(1).map((m) => m.chunk as Uint8Array)).equals(packageBytes));
  });

  it('streams tuple batches over Transfer under credit-based flow control', async () => {
    const total = 100;
    const call = workerClient.transfer();
    const window = new SendWindow();
    const encoder = new BatchEncoder();
    let next = 0;
    let seq = 0;
    const done = new Promise<void>((resolve, reject) => {
      call.on('error', reject);
      call.on('status', (s: grpc.StatusObject) =>
        s.code === grpc.status.OK ? resolve() : reject(new Error(s.details)),
      );
    });
    const pump = (): void => {
      while (window.canSend && next < total) {
        for (let i = 0; i < 4 && next < total; i++)
          encoder.add({ targetTask: 1, sourceTask: 2, stream: 'default', anchors: null, values: [next++] });
        const count = encoder.count;
        window.onSent(count);
        call.write({ batch: { seq: ++seq, count, payload: encoder.finish() } });
      }
      if (next === total) call.end();
    };
    call.on('data', (message: pb.TransferMessage) => {
      if (message.kind === 'credit' && window.onCredit(message.credit?.tupleLimit ?? 0)) pump();
    });
    call.write({
      hello: {
        topologyId: 'words-1-1700000000',
        secret: SECRET,
        fromWorker: '127.0.0.1:6701',
        toWorker: address,
        codecVersion: TUPLE_CODEC_VERSION,
      },
    });
    await done;
    assert.deepEqual(
      received,
      Array.from({ length: total }, (_, i) => i),
      'every tuple arrives, in order',
    );
    assert.ok(
      maxBuffered <= WINDOW + 3,
      `the consumer never held more than its window plus one batch (held ${maxBuffered})`,
    );
  });

  it('ends a Transfer stream whose Hello has the wrong secret', async () => {
    const call = workerClient.transfer();
    const error = new Promise<grpc.ServiceError>((resolve) => call.on('error', resolve));
    call.on('data', () => assert.fail('no credit for a producer with a wrong secret'));
    call.write({ hello: { topologyId: 't', secret: 'wrong' } });
    assert.equal((await error).code, grpc.status.UNAUTHENTICATED);
  });
});
