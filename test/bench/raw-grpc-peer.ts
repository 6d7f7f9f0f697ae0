/**
 * The baseline of `npm run bench:cluster`: one process ships tuple batches to another over a Worker.Transfer gRPC
 * stream, encoded and decoded exactly as workers do, with the same credit window, but no engine around it. Its
 * throughput is what the transport alone can carry.
 *   node raw-grpc-peer.js serve            → prints the port, counts decoded tuples, prints the count on SIGTERM
 *   node raw-grpc-peer.js send <port> <s>  → sends for s seconds from the first credit, prints tuples sent and seconds
 */
import * as grpc from '@grpc/grpc-js';
import {
  BatchEncoder,
  createWorkerClient,
  decodeBatch,
  ReceiveWindow,
  SendWindow,
  serverOptions,
  WorkerService,
  type pb,
} from '@squall/protocol';

const WORDS = ['dog', 'cat', 'zebra', 'elephant'];
const BATCH = 1000;
const WINDOW = 16384;

function serve(): void {
  let received = 0;
  const server = new grpc.Server(serverOptions());
  server.addService(
    WorkerService as unknown as grpc.ServiceDefinition,
    {
      transfer: (call: grpc.ServerDuplexStream<pb.TransferMessage, pb.ITransferMessage>) => {
        const window = new ReceiveWindow({ window: WINDOW });
        call.on('data', (m: pb.TransferMessage) => {
          if (m.hello) return void call.write({ credit: { tupleLimit: window.initialCredit } });
          if (!m.batch) return;
          window.onReceived(Number(m.batch.count));
          const tuples = decodeBatch(m.batch.payload ?? new Uint8Array(0));
          const counts = new Map<string, number>();
          for (const t of tuples) counts.set(t.values[0] as string, (counts.get(t.values[0] as string) ?? 0) + 1);
          received += tuples.length;
          const limit = window.onTaken(tuples.length);
          if (limit !== undefined) call.write({ credit: { tupleLimit: limit } });
        });
        call.on('end', () => call.end());
      },
      ping: (_c: unknown, cb: grpc.sendUnaryData<pb.IPingResponse>) => cb(null, {}),
    } as unknown as grpc.UntypedServiceImplementation,
  );
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) throw err;
    process.stdout.write(`${port}\n`);
  });
  process.on('SIGTERM', () => {
    process.stdout.write(`${received}\n`);
    process.exit(0);
  });
}

function send(port: number, seconds: number): void {
  const client = createWorkerClient(`127.0.0.1:${port}`);
  const call = client.transfer();
  const window = new SendWindow();
  const encoder = new BatchEncoder();
  const tuple = { targetTask: 3, sourceTask: 5, stream: 'default', anchors: null, values: [''] as unknown[] };
  let sent = 0;
  let seq = 0;
  let i = 0;
  let started = 0;
  let end = Infinity;
  const pump = () => {
    while (window.canSend && Date.now() < end) {
      for (let k = 0; k < BATCH; k++) {
        tuple.values[0] = WORDS[i++ & 3];
        encoder.add(tuple);
      }
      const payload = encoder.finish();
      window.onSent(BATCH);
      sent += BATCH;
      call.write({ batch: { seq: ++seq, count: BATCH, payload } });
    }
    if (Date.now() >= end) {
      // Timed from the first credit (stream up), like the topology's windows, which exclude startup.
      process.stdout.write(`${sent} ${(Date.now() - started) / 1000}\n`);
      call.end();
      client.close();
      process.exit(0);
    }
  };
  call.on('data', (m: pb.TransferMessage) => {
    if (started === 0) {
      started = Date.now();
      end = started + seconds * 1000;
    }
    if (m.credit && window.onCredit(Number(m.credit.tupleLimit))) setImmediate(pump);
  });
  call.write({ hello: { topologyId: 'bench', secret: '', fromWorker: 'a', toWorker: 'b', codecVersion: 1 } });
}

const [mode, a, b] = process.argv.slice(2);
if (mode === 'serve') serve();
else send(Number(a), Number(b));
