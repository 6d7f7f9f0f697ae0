import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import {
  assignmentSignatureProblem,
  authInterceptor,
  callProof,
  canonicalJson,
  checkCallProof,
  createNimbusClient,
  documentSignatureMatches,
  NimbusService,
  PROOF_MAX_SKEW_MS,
  servicePolicies,
  signAssignment,
  signDocument,
  unaryCall,
  withDecodeFailureLog,
  type MethodPolicy,
} from '../src';

const M = '/squall.v1.Nimbus/DownloadPackage';

test('a call proof holds only for its secret, method, audience and time', () => {
  const now = 1_800_000_000_000;
  const proof = callProof('s', M, 'h:1', now);
  assert.equal(checkCallProof('s', proof, M, ['h:1'], now), undefined);
  assert.equal(checkCallProof('s', proof, M, ['x:9', 'h:1'], now + PROOF_MAX_SKEW_MS), undefined);
  assert.equal(checkCallProof('t', proof, M, ['h:1'], now), 'wrong credential');
  assert.equal(checkCallProof('s', proof, '/squall.v1.Nimbus/GetLeader', ['h:1'], now), 'wrong credential');
  assert.equal(checkCallProof('s', proof, M, ['h:2'], now), 'wrong credential');
  assert.match(checkCallProof('s', proof, M, ['h:1'], now + PROOF_MAX_SKEW_MS + 1) ?? '', /more than 300s/);
  for (const bad of [
    undefined,
    '',
    'v1',
    `v2.${now}.${'0'.repeat(64)}`,
    `v1.${now}.${'0'.repeat(63)}`,
    `v1.x.${'0'.repeat(64)}`,
    proof.toUpperCase(),
  ])
    assert.notEqual(checkCallProof('s', bad, M, ['h:1'], now), undefined, String(bad));
});

test('canonicalJson ignores key order; signatures bind kind, id, digest and content', () => {
  assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: null }] }), canonicalJson({ a: [{ c: null, d: 2 }], b: 1 }));
  const sig = signDocument('s', 'k', 'id', 'dg', { x: 1 });
  assert.ok(documentSignatureMatches('s', sig, 'k', 'id', 'dg', { x: 1 }));
  for (const [secret, kind, id, digest, doc] of [
    ['t', 'k', 'id', 'dg', { x: 1 }],
    ['s', 'j', 'id', 'dg', { x: 1 }],
    ['s', 'k', 'ie', 'dg', { x: 1 }],
    ['s', 'k', 'id', 'dh', { x: 1 }],
    ['s', 'k', 'id', 'dg', { x: 2 }],
  ] as const)
    assert.equal(documentSignatureMatches(secret, sig, kind, id, digest, doc), false);
  assert.equal(documentSignatureMatches('s', undefined, 'k', 'id', 'dg', { x: 1 }), false);
});

test('an assignment is trusted only with its signature, over everything in it', () => {
  const a = {
    executors: [{ component: 'c', startTask: 1, endTask: 1, supervisorId: 's', port: 1 }],
    workers: [],
    startTimes: { '1-1': 5 },
    packageDigest: 'a'.repeat(64),
  };
  const signed = { ...a, signature: signAssignment('k', 't-1-1', a) };
  assert.equal(assignmentSignatureProblem('k', 't-1-1', signed), undefined);
  assert.match(assignmentSignatureProblem('k', 't-1-1', a) ?? '', /not signed/);
  assert.match(assignmentSignatureProblem('k', 't-1-2', signed) ?? '', /does not match/);
  assert.match(
    assignmentSignatureProblem('k', 't-1-1', { ...signed, packageDigest: 'b'.repeat(64) }) ?? '',
    /does not match/,
  );
  assert.match(
    assignmentSignatureProblem('k', 't-1-1', { ...signed, startTimes: { '1-1': 6 } }) ?? '',
    /does not match/,
  );
  assert.match(
    assignmentSignatureProblem('k', 't-1-1', { ...signed, packageDigest: undefined }) ?? '',
    /no package digest/,
  );
});

test('servicePolicies demands a policy for every method', () => {
  assert.throws(() => servicePolicies(NimbusService, {}), /no security policy for \/squall\.v1\.Nimbus\//);
});

test('authInterceptor refuses before the request is decoded; a client with clusterSecret passes; size limits hold', async () => {
  const open: MethodPolicy = { credential: 'open', maxBytes: 1024, name: 'open' };
  const policies = servicePolicies(
    NimbusService,
    Object.fromEntries(
      Object.keys(NimbusService).map((k) => [
        k,
        k === 'getLeader' ? { credential: 'cluster', maxBytes: 64, name: 'leader' } : open,
      ]),
    ),
  );
  const refused: string[] = [];
  const decoded: string[] = [];
  const audience: { a?: string } = {};
  const server = new grpc.Server({
    interceptors: [
      authInterceptor({
        policies,
        clusterSecret: 'sec',
        audiences: () => [audience.a ?? ''],
        onRefused: (r) => refused.push(r.reason),
      }),
    ],
  });
  const def = withDecodeFailureLog(NimbusService, (m, n, e) => decoded.push(`${m} ${n} ${e.message}`), policies);
  const counted = {
    ...def,
    getLeader: {
      ...def.getLeader,
      requestDeserialize: (b: Buffer) => (decoded.push('decoded'), def.getLeader.requestDeserialize(b)),
    },
  };
  server.addService(
    counted as unknown as grpc.ServiceDefinition,
    {
      getLeader: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { host: 'h', port: 1 }),
    } as unknown as grpc.UntypedServiceImplementation,
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  audience.a = `127.0.0.1:${port}`;
  const anon = createNimbusClient(audience.a);
  const wrong = createNimbusClient(audience.a, { clusterSecret: 'nope' });
  const right = createNimbusClient(audience.a, { clusterSecret: 'sec' });
  try {
    await assert.rejects(
      unaryCall(anon, NimbusService.getLeader, {}),
      (e: grpc.ServiceError) => e.code === grpc.status.UNAUTHENTICATED && /cluster credential/.test(e.details),
    );
    await assert.rejects(
      unaryCall(wrong, NimbusService.getLeader, {}),
      (e: grpc.ServiceError) => e.code === grpc.status.UNAUTHENTICATED,
    );
    assert.deepEqual(decoded, [], 'nothing decoded for refused calls');
    assert.deepEqual(refused, ['no credential', 'wrong credential']);
    assert.equal((await unaryCall(right, NimbusService.getLeader, {})).host, 'h');
    assert.deepEqual(decoded, ['decoded']);
  } finally {
    for (const c of [anon, wrong, right]) c.close();
    server.forceShutdown();
  }
});
