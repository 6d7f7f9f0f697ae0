// The one package download path (supervisors installing, standby nimbuses replicating) against a real gRPC server
// that answers DownloadPackage as an honest, a careless or a hostile nimbus would.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import {
  createNimbusClient,
  downloadVerifiedPackage,
  NimbusService,
  serverOptions,
  signDocument,
  type NimbusClient,
} from '../src';

const ID = 'wc-1-1700000000';
const SECRET = 'cluster-secret';
const BYTES = Buffer.from('a package archive, '.repeat(5000));
const DIGEST = createHash('sha256').update(BYTES).digest('hex');
const RECORD = JSON.stringify({ topologyId: ID, secret: 's' });

/** What the server sends for the next call: a header (or none) and the chunks. */
let answer: { header?: Record<string, unknown>; chunks: Buffer[] };
let server: grpc.Server;
let client: NimbusClient;

function honest(over: Record<string, unknown> = {}, chunks = [BYTES.subarray(0, 40000), BYTES.subarray(40000)]) {
  const header = { digest: DIGEST, size: BYTES.length, topologyJson: RECORD, ...over };
  const signature = signDocument(SECRET, 'package-header', ID, DIGEST, {
    size: header.size,
    topologyJson: header.topologyJson,
  });
  return { header: { signature, ...header }, chunks };
}

before(async () => {
  server = new grpc.Server(serverOptions());
  server.addService(
    NimbusService as unknown as grpc.ServiceDefinition,
    {
      downloadPackage: (call: grpc.ServerWritableStream<unknown, unknown>) => {
        if (answer.header) call.write({ header: answer.header });
        for (const c of answer.chunks) call.write({ chunk: c });
        call.end();
      },
    } as unknown as grpc.UntypedServiceImplementation,
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  client = createNimbusClient(`127.0.0.1:${port}`);
});

after(() => {
  client?.close();
  server?.forceShutdown();
});

const download = (clusterSecret?: string) =>
  downloadVerifiedPackage(client, ID, DIGEST, { timeoutMs: 10000, clusterSecret });

test('an honest answer gives the bytes and the record; signed, it passes the cluster secret check', async () => {
  answer = honest();
  const got = await download(SECRET);
  assert.ok(got.bytes.equals(BYTES));
  assert.equal(got.topologyJson, RECORD);
});

test('every mismatch is refused, saying what did not match', async () => {
  const cases: Array<[typeof answer, RegExp, string?]> = [
    [{ chunks: [BYTES] }, /: no header received$/],
    [honest({ digest: 'f'.repeat(64) }), /the sender holds digest f{64}, not the wanted [0-9a-f]{64}/],
    [honest({}, [BYTES.subarray(0, 100)]), /: truncated: 100 of 95000 bytes$/],
    [honest({}, [Buffer.alloc(BYTES.length)]), /: corrupt: sha256 [0-9a-f]{64}, expected [0-9a-f]{64}$/],
    [honest({ topologyJson: JSON.stringify({ topologyId: 'other-2-2' }) }), /its header describes other-2-2, not wc-1/],
    [honest({ topologyJson: '{' }), /not JSON/],
    [
      { ...honest(), header: { ...honest().header, signature: 'a'.repeat(64) } },
      /not signed with squall\.cluster\.secret/,
      SECRET,
    ],
  ];
  for (const [a, message, secret] of cases) {
    answer = a;
    await assert.rejects(download(secret), message);
  }
  // Without a cluster secret the signature is not checked (plain clusters); everything else still is.
  answer = { ...honest(), header: { ...honest().header, signature: '' } };
  assert.ok((await download()).bytes.equals(BYTES));
});
