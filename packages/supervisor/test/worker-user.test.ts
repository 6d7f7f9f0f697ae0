import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  accountIds,
  grantTree,
  openPrivateAppend,
  parseUidRange,
  runsWorkersAsUsers,
  unreachableForOthers,
  WorkerUsers,
  writePrivateFile,
} from '../src';

const scratch = () => mkdtempSync(path.join(tmpdir(), 'squall-uid-'));

test('supervisor.worker.uid.range: "first-last" within 1..2^32-2; anything else is a clear error', () => {
  assert.deepEqual(parseUidRange('2000000000-2000065535'), { first: 2000000000, last: 2000065535 });
  assert.deepEqual(parseUidRange(' 10 - 10 '), { first: 10, last: 10 });
  assert.throws(() => parseUidRange('0-100'), /supervisor\.worker\.uid\.range: 0-100 includes uid 0 \(root\)/);
  assert.throws(() => parseUidRange('20-10'), /ends before it starts/);
  assert.throws(() => parseUidRange('1-4294967295'), /beyond the largest uid 4294967294/);
  assert.throws(() => parseUidRange('lots'), /expected "first-last".*got "lots"/);
  assert.throws(() => parseUidRange(5), /expected "first-last"/);
});

test('each topology gets its own uid, kept across restarts (recorded 0600), skipping real accounts, the same on every supervisor', () => {
  const dir = scratch();
  try {
    const file = path.join(dir, 'uids.json');
    const range = { first: 100, last: 104 };
    const users = new WorkerUsers(file, range, new Set([101]));
    const ids = ['a-1-1', 'b-1-1', 'c-1-1', 'd-1-1'];
    const uids = ids.map((id) => users.userOf(id).uid);
    assert.equal(new Set(uids).size, 4, `distinct: ${uids.join(', ')}`);
    assert.deepEqual(uids.slice().sort(), [100, 102, 103, 104], '101 is an account; 4 topologies take the other 4');
    assert.deepEqual(users.userOf('a-1-1'), { uid: uids[0], gid: uids[0] }, 'stable');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    // Another supervisor process on the same dir sees the same uids.
    const again = new WorkerUsers(file, range, new Set([101]));
    assert.equal(again.userOf('b-1-1').uid, uids[1]);
    assert.throws(() => again.userOf('f-1-1'), /no free uid for f-1-1 \(4 topologies hold one\)/);
    assert.deepEqual(again.release(new Set(['b-1-1', 'c-1-1', 'd-1-1'])), ['a-1-1']);
    assert.equal(again.userOf('e-1-1').uid, uids[0], 'the freed uid is the only one left');
    // Supervisors with different histories (other records) give a topology the same uid from a large range.
    const big = { first: 2000000000, last: 2000065535 };
    const one = new WorkerUsers(path.join(dir, 'one.json'), big, new Set());
    const two = new WorkerUsers(path.join(dir, 'two.json'), big, new Set());
    for (let i = 0; i < 20; i++) one.userOf(`other-${i}-1`);
    for (const id of ['wc-1-1700000000', 'rolling-2-1700000001', '__proto__'])
      assert.equal(one.userOf(id).uid, two.userOf(id).uid, id);
    // A record from another range (the operator changed it) is not trusted.
    const moved = new WorkerUsers(file, { first: 500, last: 600 }, new Set());
    const u = moved.userOf('b-1-1').uid;
    assert.ok(u >= 500 && u <= 600, String(u));
    // Ids of __proto__ and friends are plain keys.
    const p = moved.userOf('__proto__').uid;
    assert.equal(moved.userOf('__proto__').uid, p);
    assert.equal(new WorkerUsers(file, { first: 500, last: 600 }, new Set()).userOf('__proto__').uid, p);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the accounts of /etc/passwd and /etc/group are reserved', () => {
  const dir = scratch();
  try {
    writeFileSync(path.join(dir, 'passwd'), 'root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n');
    writeFileSync(path.join(dir, 'group'), 'odd:x:2000000001:\n\n');
    assert.deepEqual(
      [...accountIds([path.join(dir, 'passwd'), path.join(dir, 'group'), path.join(dir, 'missing')])].sort(),
      [0, 65534, 2000000001].sort(),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run-as-user: on by default exactly for root; forcing it without root is an error', () => {
  assert.equal(runsWorkersAsUsers(null, true), true);
  assert.equal(runsWorkersAsUsers(undefined, false), false);
  assert.equal(runsWorkersAsUsers(false, true), false);
  assert.equal(runsWorkersAsUsers(true, true), true);
  assert.throws(() => runsWorkersAsUsers(true, false), /only a supervisor running as root/);
});

test('a directory others cannot search on the way to a path is named', () => {
  const dir = scratch();
  try {
    const inner = path.join(dir, 'a', 'b');
    mkdirSync(inner, { recursive: true });
    writeFileSync(path.join(inner, 'main.js'), '');
    chmodSync(dir, 0o700);
    assert.deepEqual(unreachableForOthers([path.join(inner, 'main.js')]), {
      dir,
      mode: 0o700,
      wanted: path.join(inner, 'main.js'),
    });
    chmodSync(dir, 0o711);
    chmodSync(path.join(dir, 'a'), 0o750);
    assert.equal(unreachableForOthers([inner])?.dir, path.join(dir, 'a'));
    chmodSync(path.join(dir, 'a'), 0o755);
    assert.equal(unreachableForOthers([path.join(inner, 'main.js'), inner]), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("files written into a worker's dir never follow a link the worker left there", () => {
  const dir = scratch();
  try {
    const target = path.join(dir, 'precious');
    writeFileSync(target, 'keep');
    const launch = path.join(dir, 'launch.json');
    symlinkSync(target, launch);
    writePrivateFile(launch, '{"secret":"s"}', undefined);
    assert.equal(readFileSync(target, 'utf8'), 'keep');
    assert.ok(lstatSync(launch).isFile());
    assert.equal(statSync(launch).mode & 0o777, 0o600);
    // A dangling link too.
    const dangling = path.join(dir, 'dangling');
    symlinkSync(path.join(dir, 'nowhere'), dangling);
    writePrivateFile(dangling, 'x', undefined);
    assert.equal(existsSync(path.join(dir, 'nowhere')), false);
    const log = path.join(dir, 'worker.log');
    symlinkSync(target, log);
    assert.throws(() => openPrivateAppend(log, undefined), /ELOOP/);
    assert.equal(readFileSync(target, 'utf8'), 'keep');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  "a package is given to its topology's group read-only: dirs 0750, files 0640 or 0750, links untouched",
  { skip: process.getuid?.() !== 0 ? 'chown needs root' : false },
  () => {
    const dir = scratch();
    try {
      const pkg = path.join(dir, 'pkg');
      mkdirSync(path.join(pkg, 'resources'), { recursive: true });
      writeFileSync(path.join(pkg, 'topology.js'), '', { mode: 0o600 });
      writeFileSync(path.join(pkg, 'resources', 'run.sh'), '', { mode: 0o700 });
      const outside = path.join(dir, 'outside');
      writeFileSync(outside, '', { mode: 0o600 });
      symlinkSync(outside, path.join(pkg, 'resources', 'link'));
      grantTree(pkg, 2000000123);
      const st = (p: string) => ({ gid: statSync(p).gid, uid: statSync(p).uid, mode: statSync(p).mode & 0o777 });
      assert.deepEqual(st(pkg), { gid: 2000000123, uid: 0, mode: 0o750 });
      assert.deepEqual(st(path.join(pkg, 'topology.js')), { gid: 2000000123, uid: 0, mode: 0o640 });
      assert.deepEqual(st(path.join(pkg, 'resources', 'run.sh')), { gid: 2000000123, uid: 0, mode: 0o750 });
      assert.deepEqual(st(outside), { gid: 0, uid: 0, mode: 0o600 }, 'the link was not followed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
