import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ConfigFileError,
  InvalidConfigError,
  ManualClock,
  configFromEnv,
  defaultConfig,
  forbiddenKeyProblems,
  getConfig,
  mergeConfig,
  parseConfigAssignment,
  readConfigFile,
  validateConfig,
} from '../src';

test("defaults follow Storm's", () => {
  const d = defaultConfig();
  assert.equal(d['topology.message.timeout.secs'], 30);
  assert.equal(d['topology.workers'], 1);
  assert.deepEqual(d['supervisor.slots.ports'], [6700, 6701, 6702, 6703]);
  assert.equal('topology.max.spout.pending' in d, false, 'unset by default');
  assert.equal(getConfig(d, 'topology.shellbolt.max.pending'), 100);
});

test('validation lists every bad key at once', () => {
  assert.throws(
    () =>
      validateConfig({
        'topology.workers': 'three',
        'topology.debug': 1,
        'topology.message.timeout.secs': -1,
        'my.own.key': {},
      }),
    (err: InvalidConfigError) => {
      assert.ok(err instanceof InvalidConfigError);
      assert.equal(err.problems.length, 3);
      assert.match(err.message, /topology.workers must be an integer, got "three"/);
      assert.match(err.message, /topology.debug must be true or false/);
      assert.match(err.message, /topology.message.timeout.secs must be at least/);
      return true;
    },
  );
});

test('-c values are typed like YAML', () => {
  assert.deepEqual(parseConfigAssignment('topology.workers=3'), ['topology.workers', 3]);
  assert.deepEqual(parseConfigAssignment('topology.debug=true'), ['topology.debug', true]);
  assert.deepEqual(parseConfigAssignment('supervisor.slots.ports=[6700, 6701]'), [
    'supervisor.slots.ports',
    [6700, 6701],
  ]);
  assert.deepEqual(parseConfigAssignment('a.b=hello world'), ['a.b', 'hello world']);
  assert.throws(() => parseConfigAssignment('novalue'), InvalidConfigError);
});

test('environment variables set known keys', () => {
  const c = configFromEnv({ SQUALL_NIMBUS_AUTH_TOKEN: 's3cret', SQUALL_TOPOLOGY_WORKERS: '4', OTHER: 'x' });
  assert.deepEqual(c, { 'nimbus.auth.token': 's3cret', 'topology.workers': 4 });
});

test('config files are read, validated, and errors name the file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'squall-conf-'));
  const good = path.join(dir, 'good.yaml');
  writeFileSync(good, 'topology.workers: 2\nnimbus.seeds: ["a", "b"]\n');
  assert.deepEqual(readConfigFile(good), { 'topology.workers': 2, 'nimbus.seeds': ['a', 'b'] });
  const bad = path.join(dir, 'bad.yaml');
  writeFileSync(bad, 'topology.workers: [1\n');
  assert.throws(
    () => readConfigFile(bad),
    (e: Error) => e instanceof ConfigFileError && e.message.startsWith(bad),
  );
  assert.throws(() => readConfigFile(path.join(dir, 'missing.yaml')), /file not found/);
  const wrong = path.join(dir, 'wrong.yaml');
  writeFileSync(wrong, 'topology.workers: many\n');
  assert.throws(
    () => readConfigFile(wrong),
    (e: Error) => e instanceof InvalidConfigError && e.message.includes(wrong),
  );
});

test('mergeConfig: later layers win and undefined is skipped', () => {
  assert.deepEqual(mergeConfig({ a: 1, b: 2 }, { b: 3, c: undefined }, undefined), { a: 1, b: 3 });
});

test('ManualClock fires timers in order when advanced', () => {
  const clock = new ManualClock();
  const fired: string[] = [];
  clock.setTimer(20, () => fired.push('b'));
  clock.setTimer(10, () => {
    fired.push('a');
    clock.setTimer(5, () => fired.push('a2'));
  });
  const cancel = clock.setTimer(12, () => fired.push('never'));
  cancel();
  clock.advance(25);
  assert.deepEqual(fired, ['a', 'a2', 'b']);
  assert.equal(clock.monotonicMs(), 25);
});

test('__proto__, constructor and prototype keys are refused at any depth, naming the key and where', () => {
  const submitted = JSON.parse(
    '{"topology.workers": 2, "__proto__": {"topology.debug": true}, "topology.environment": {"constructor": "x", "ok": [{"prototype": 1}]}}',
  ) as Record<string, unknown>;
  assert.throws(
    () => validateConfig(submitted, 'topology conf'),
    (err: unknown) =>
      err instanceof InvalidConfigError &&
      err.problems.length === 3 &&
      /^invalid configuration in topology conf:/.test(err.message) &&
      err.problems.some((p) => p.startsWith("__proto__: key '__proto__' is not allowed")) &&
      err.problems.some((p) => p.startsWith("topology.environment.constructor: key 'constructor'")) &&
      err.problems.some((p) => p.startsWith("topology.environment.ok[0].prototype: key 'prototype'")),
  );
  // mergeConfig never lets a layer change the merged object's prototype.
  assert.throws(
    () => mergeConfig(defaultConfig(), submitted),
    (err: unknown) =>
      err instanceof InvalidConfigError &&
      /key '__proto__' is not allowed/.test(err.message) &&
      /configuration layer 2 of 2/.test(err.message),
  );
  assert.equal(({} as Record<string, unknown>)['topology.debug'], undefined, 'Object.prototype untouched');
  // From -c and from a YAML file.
  assert.throws(
    () => validateConfig(Object.fromEntries([parseConfigAssignment('__proto__={a: 1}')]), 'command line'),
    /in command line:\n {2}- __proto__: key '__proto__'/,
  );
  const dir = mkdtempSync(path.join(tmpdir(), 'squall-conf-'));
  const file = path.join(dir, 'squall.yaml');
  writeFileSync(file, 'topology.workers: 2\n__proto__:\n  polluted: true\n');
  assert.throws(
    () => readConfigFile(file),
    (err: unknown) => err instanceof InvalidConfigError && err.message.includes(file) && /__proto__/.test(err.message),
  );
  assert.deepEqual(
    forbiddenKeyProblems({ 'a.constructor.b': 1, nested: { proto: { __protox__: 1 } } }),
    [],
    'only exact key names are refused',
  );
});
