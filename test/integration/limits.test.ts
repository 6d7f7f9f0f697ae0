import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createNimbusClient, type NimbusClient, type pb } from '@squall/protocol';
import { ROOT, SQUALL, TestCluster, eventually, readLines } from '../harness/test-cluster';

const WORDCOUNT = path.join(ROOT, 'test/fixtures/finite-wordcount.ts');
const OVERSIZED = path.join(ROOT, 'test/fixtures/oversized-tuples.ts');
const MAX_PACKAGE = 1024 * 1024;
let cluster: TestCluster;

before(async () => {
  cluster = await TestCluster.start({
    supervisors: 2,
    slotsPerSupervisor: 2,
    conf: { 'nimbus.package.max.bytes': MAX_PACKAGE },
  });
});
after(async () => {
  await cluster?.shutdown();
});

const nimbusLog = () => readFileSync(cluster.daemons.find((d) => d.name === 'nimbus')!.log, 'utf8');
const nimbusPid = () => cluster.daemons.find((d) => d.name === 'nimbus')!.child.pid;

/** Nimbus still answers and its process is the one the cluster started. */
async function nimbusAlive(): Promise<void> {
  const d = cluster.daemons.find((x) => x.name === 'nimbus')!;
  assert.equal(d.child.exitCode, null, 'nimbus exited');
  assert.equal(d.child.signalCode, null, 'nimbus was killed');
  const info = await cluster.clusterInfo();
  assert.equal(info.supervisors.length, 2);
}

/** Package files nimbus holds (its store under storm.local.dir). */
function storedPackageFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(cluster.dir, p));
    }
  };
  walk(path.join(cluster.dir, 'nimbus'));
  return out.filter((f) => f.includes('packages'));
}

/** A raw client-streamed submit: header, then `chunks`; resolves with the error nimbus answers (or null). */
async function rawSubmit(
  client: NimbusClient,
  header: pb.ISubmitHeader,
  chunks: Buffer[],
): Promise<grpc.ServiceError | null> {
  return new Promise((resolve) => {
    const call = client.submitTopology((err) => resolve(err));
    call.on('error', () => {
      /* reported through the callback */
    });
    call.write({ header });
    for (const c of chunks) call.write({ chunk: c });
    call.end();
  });
}

/** Sends raw bytes as the single message of a nimbus method; resolves with the call's status. */
async function rawUnary(method: string, bytes: Buffer): Promise<grpc.StatusObject> {
  const client = new grpc.Client(cluster.nimbusAddress, grpc.credentials.createInsecure());
  try {
    return await new Promise<grpc.StatusObject>((resolve) => {
      const call = client.makeUnaryRequest<Buffer, Buffer>(
        method,
        (b) => b,
        (b) => b,
        bytes,
        () => {
          /* the status carries it */
        },
      );
      call.on('status', resolve);
    });
  } finally {
    client.close();
  }
}

test('config values of the wrong type are refused with the key and the expected type, on the command line, in squall.yaml and at submit', async () => {
  const cli = cluster.cli(['list', '-c', 'topology.workers=abc']);
  assert.equal(cli.code, 1);
  assert.match(
    cli.stderr,
    /invalid configuration in command line:\s+- topology\.workers must be an integer, got "abc"/,
  );
  const file = path.join(cluster.dir, 'bad-squall.yaml');
  writeFileSync(file, 'nimbus.port: "six thousand"\ntopology.debug: maybe\n');
  const yaml = cluster.cli(['list', '--config', file]);
  assert.equal(yaml.code, 1);
  assert.match(yaml.stderr, new RegExp(`invalid configuration in ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
  assert.match(yaml.stderr, /nimbus\.port must be an integer, got "six thousand"/);
  assert.match(yaml.stderr, /topology\.debug must be true or false, got "maybe"/);
  const env = spawnSync(process.execPath, [SQUALL, 'list', '--nimbus', cluster.nimbusAddress], {
    encoding: 'utf8',
    env: { ...process.env, SQUALL_TOPOLOGY_MESSAGE_TIMEOUT_SECS: 'soon' },
  });
  assert.equal(env.status, 1);
  assert.match(env.stderr, /topology\.message\.timeout\.secs must be a number, got "soon"/);
  // Past the CLI's own check: a topology conf with a wrong type sent straight to nimbus.
  const client = createNimbusClient(cluster.nimbusAddress);
  try {
    const bytes = Buffer.from('not really a package');
    const err = await rawSubmit(
      client,
      {
        name: 'badconf',
        specJson: JSON.stringify({ components: [] }),
        confJson: JSON.stringify({ 'topology.workers': 'two', 'topology.max.tuple.bytes': -5 }),
        packageDigest: createHash('sha256').update(bytes).digest('hex'),
        packageSize: bytes.length,
      },
      [bytes],
    );
    assert.equal(err?.code, grpc.status.INVALID_ARGUMENT);
    assert.match(err.details, /config: topology\.workers must be an integer, got "two"/);
    assert.match(err.details, /config: topology\.max\.tuple\.bytes must be at least 1, got -5/);
  } finally {
    client.close();
  }
  // A daemon given a wrong type refuses to start with the same clear message.
  const sup = spawnSync(process.execPath, [SQUALL, 'supervisor', '-c', 'supervisor.slots.ports=[0, "x"]'], {
    encoding: 'utf8',
    timeout: 30000,
    cwd: cluster.dir,
  });
  assert.equal(sup.status, 1);
  assert.match(sup.stderr, /supervisor\.slots\.ports must be a list of ports \(1-65535\)/);
  assert.doesNotMatch(sup.stderr, /\n\s+at /, 'no stack trace');
  await nimbusAlive();
});

test('an oversized package is refused with a clear error, nothing is stored, and nimbus stays up', async () => {
  const dir = path.join(cluster.dir, 'big-topology');
  cpSync(path.join(ROOT, 'examples/wordcount-python'), dir, { recursive: true });
  // Random bytes do not compress: the package stays above the limit.
  writeFileSync(path.join(dir, 'ballast.bin'), randomBytes(3 * MAX_PACKAGE));
  const before = storedPackageFiles();
  const r = cluster.cli(['submit', dir, '--name', 'too-big']);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    new RegExp(`package of \\d+ bytes exceeds nimbus\\.package\\.max\\.bytes \\(${MAX_PACKAGE}\\)`),
  );
  const client = createNimbusClient(cluster.nimbusAddress);
  try {
    // A header announcing an absurd size is refused before any byte is read.
    const huge = await rawSubmit(
      client,
      {
        name: 'huge',
        specJson: '{"components":[]}',
        confJson: '{}',
        packageDigest: '0'.repeat(64),
        packageSize: 2 ** 50,
      },
      [],
    );
    assert.equal(huge?.code, grpc.status.INVALID_ARGUMENT);
    assert.match(huge.details, /package of 1125899906842624 bytes exceeds nimbus\.package\.max\.bytes/);
    // A header that understates the size: refused as soon as the bytes pass it.
    const liar = await rawSubmit(
      client,
      { name: 'liar', specJson: '{"components":[]}', confJson: '{}', packageDigest: '0'.repeat(64), packageSize: 10 },
      [Buffer.alloc(4096)],
    );
    assert.equal(liar?.code, grpc.status.INVALID_ARGUMENT);
    assert.match(liar.details, /package larger than the 10 bytes its header announced|invalid topology/);
    // Chunks before any header.
    const headless = await new Promise<grpc.ServiceError | null>((resolve) => {
      const call = client.submitTopology((err) => resolve(err));
      call.write({ chunk: Buffer.alloc(10) });
      call.end();
    });
    assert.equal(headless?.code, grpc.status.INVALID_ARGUMENT);
    assert.match(headless.details, /the first message of a submit must be its header/);
  } finally {
    client.close();
  }
  assert.deepEqual(storedPackageFiles(), before, 'no package file, partial or whole, was stored');
  assert.equal(cluster.cli(['list']).stdout.includes('too-big'), false);
  await nimbusAlive();
});

test('bytes that are not a protobuf message are refused and logged by nimbus, which keeps serving', async () => {
  const pid = nimbusPid();
  const garbage = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x0a, 0x99]);
  for (const method of [
    '/squall.v1.Nimbus/KillTopology',
    '/squall.v1.Nimbus/Rebalance',
    '/squall.v1.Nimbus/GetTopologyInfo',
  ]) {
    const s = await rawUnary(method, garbage);
    assert.equal(s.code, grpc.status.INTERNAL, `${method}: ${s.details}`);
    assert.match(s.details, /Error deserializing request/);
  }
  await eventually(
    'the refusals in the nimbus log',
    () => /refused an undecodable 8-byte message on \/squall\.v1\.Nimbus\/KillTopology/.test(nimbusLog()) || undefined,
    10000,
  );
  assert.equal(nimbusPid(), pid);
  await nimbusAlive();
});

test('topology.max.tuple.bytes in a cluster: an oversized emit is a component error naming component, stream and size; the rest flows', async () => {
  const out = cluster.outputDir('oversized');
  const args = ['submit', OVERSIZED, '--name', 'oversized', '--json'];
  for (const [k, v] of Object.entries({
    'topology.workers': 2,
    'topology.max.tuple.bytes': 10000,
    'squall.test.tuples': 200,
    'squall.test.big.bytes': 50000,
    'squall.test.dir': out,
  }))
    args.push('-c', `${k}=${JSON.stringify(v)}`);
  const r = cluster.cli(args);
  assert.equal(r.code, 0, r.stderr);
  const id = (JSON.parse(r.stdout) as { topologyId: string }).topologyId;
  const expected = Array.from({ length: 200 }, (_, i) => i).filter((i) => i % 10 !== 9);
  await eventually(
    'every small tuple at the sink',
    () => new Set(readLines(out, 'sink-')).size === expected.length || undefined,
    90000,
  );
  assert.deepEqual(
    [...new Set(readLines(out, 'sink-').map(Number))].sort((a, b) => a - b),
    expected,
    'no oversized tuple was delivered',
  );
  const stats = await eventually(
    'the errors in stats',
    () => {
      const s = cluster.stats('oversized');
      return s.errors.some((e) => e.component === 'blobs') ? s : undefined;
    },
    30000,
  );
  const err = stats.errors.find((e) => e.component === 'blobs')!;
  assert.match(
    err.message,
    /component 'blobs' emitted a tuple of about 500\d\d bytes on stream 'default', over topology\.max\.tuple\.bytes = 10000/,
  );
  assert.equal(stats.workers.length, 2);
  const pids = cluster.workerPids(id);
  assert.equal(pids.length, 2);
  assert.equal(cluster.cli(['kill', 'oversized', '-w', '0']).code, 0);
  await eventually('its workers to exit', () => cluster.workerPids(id).length === 0 || undefined, 30000);
});

test('garbage on a multi-lang pipe in a cluster: a protocol violation is reported, the child restarted, the worker untouched', async () => {
  const dir = path.join(cluster.dir, 'ml-garbage');
  cpSync(path.join(ROOT, 'examples/wordcount-python'), dir, { recursive: true });
  cpSync(path.join(ROOT, 'packages/multilang/test/fixtures/storm-style.js'), path.join(dir, 'storm-style.js'));
  // Written by the child, which runs as the topology's own uid under a root supervisor: in a dir open to it.
  const marker = path.join(cluster.outputDir('ml-garbage'), 'marker');
  writeFileSync(
    path.join(dir, 'topology.yaml'),
    [
      'name: ml-garbage',
      'config:',
      '  topology.workers: 1',
      'spouts:',
      '  - id: word',
      '    command: [python3, -m, squall.run, spouts.words.WordSpout]',
      '    outputs: [word]',
      'bolts:',
      '  - id: bad',
      `    command: [${JSON.stringify(process.execPath)}, storm-style.js, bolt]`,
      '    outputs: [value, pid]',
      '    env:',
      '      FIXTURE_MODE: garbage-json',
      '      FIXTURE_AFTER: "20"',
      `      FIXTURE_MARKER: ${JSON.stringify(marker)}`,
      'streams:',
      '  - name: word --> bad',
      '    from: word',
      '    to: bad',
      '    grouping:',
      '      type: SHUFFLE',
      '',
    ].join('\n'),
  );
  const r = cluster.cli(['submit', dir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const id = (JSON.parse(r.stdout) as { topologyId: string }).topologyId;
  const stats = await eventually(
    'the protocol violation reported',
    () => {
      const s = cluster.stats('ml-garbage');
      // The fixture also updates a metric this topology does not register: those errors are expected noise.
      return s.errors.some((e) => e.component === 'bad' && /protocol violation/.test(e.message)) ? s : undefined;
    },
    90000,
  );
  assert.ok(existsSync(marker), 'the child misbehaved');
  const err = stats.errors.find((e) => e.component === 'bad' && /protocol violation/.test(e.message))!;
  assert.match(err.message, /protocol violation.*not valid JSON.*this is not json/s);
  const pids = cluster.workerPids(id);
  assert.equal(pids.length, 1);
  const executed = stats.components.bad!.executed;
  await eventually(
    'the restarted child to keep executing',
    () => cluster.stats('ml-garbage').components.bad!.executed > executed + 20 || undefined,
    60000,
  );
  assert.deepEqual(cluster.workerPids(id), pids, 'the same worker process throughout');
  assert.equal(cluster.cli(['kill', 'ml-garbage', '-w', '0']).code, 0);
  await eventually('its worker to exit', () => cluster.workerPids(id).length === 0 || undefined, 30000);
});

test('after all of it, an ordinary topology still runs to completion', async () => {
  const out = cluster.outputDir('after-limits');
  const r = cluster.cli([
    'submit',
    WORDCOUNT,
    '--name',
    'after-limits',
    '-c',
    'squall.test.words=500',
    '-c',
    'topology.workers=2',
    '-c',
    `squall.test.dir=${JSON.stringify(out)}`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  await eventually('500 words acked', () => new Set(readLines(out, 'acked-')).size === 500 || undefined, 90000);
  assert.ok(storedPackageFiles().length > 0, 'the package store is where the earlier checks looked');
});
