import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CONFIG_KEYS,
  InvalidConfigError,
  configMs,
  configProblems,
  configValueProblem,
  defaultConfig,
  effectiveConfig,
  getConfig,
  validateConfig,
  type ConfigKey,
  type ConfigType,
  type ConfigValue,
  type KnownConfigKey,
} from '../src';

const entries = Object.entries(CONFIG_KEYS) as Array<[KnownConfigKey, ConfigKey]>;

/** A value of the wrong type for each declared type. */
const WRONG: Record<ConfigType, unknown> = {
  int: 2.5,
  number: 'ten',
  boolean: 'yes',
  string: 42,
  ports: [6700, 'x'],
  strings: 'localhost',
  env: ['A=1'],
  json: '[1, 2]',
};

test("every default has its key's declared type and lies in its range", () => {
  assert.ok(entries.length > 50, `the table has ${entries.length} keys`);
  for (const [key, spec] of entries) {
    if (spec.default === null) continue;
    assert.equal(configValueProblem(key, spec, spec.default), undefined, `default of ${key}`);
    assert.deepEqual(getConfig({}, key), spec.default, `getConfig falls back to the default of ${key}`);
  }
  // The checker is not blind: a default of another type would be reported.
  assert.match(
    configValueProblem('topology.workers', CONFIG_KEYS['topology.workers'], '1') ?? '',
    /topology\.workers must be an integer/,
  );
});

test('a wrong-typed value of any key is refused, naming the key and the place', () => {
  for (const [key, spec] of entries) {
    assert.throws(
      () => validateConfig({ [key]: WRONG[spec.type] }, 'topology conf'),
      (err: unknown) =>
        err instanceof InvalidConfigError &&
        err.problems.length === 1 &&
        err.problems[0]!.startsWith(`${key} must be`) &&
        err.message.includes('in topology conf'),
      key,
    );
    assert.throws(
      () => getConfig({ [key]: WRONG[spec.type] }, key),
      (err: unknown) => err instanceof InvalidConfigError && err.message.includes(`${key} must be`),
      `getConfig ${key}`,
    );
  }
  assert.deepEqual(configProblems({ 'topology.workers': 0, 'my.own.key': 'anything' }), [
    'topology.workers must be at least 1, got 0',
  ]);
});

test('getConfig returns the declared type; null and absent mean the default', () => {
  const conf = {
    'topology.workers': 3,
    'topology.max.spout.pending': null,
    'supervisor.slots.ports': [7000],
    'nimbus.port': null,
  };
  const workers: number = getConfig(conf, 'topology.workers');
  const pending: number | null = getConfig(conf, 'topology.max.spout.pending');
  const ports: number[] = getConfig(conf, 'supervisor.slots.ports');
  const debug: boolean = getConfig(conf, 'topology.debug');
  const seeds: string[] = getConfig(conf, 'nimbus.seeds');
  assert.deepEqual(
    [workers, pending, ports, debug, seeds, getConfig(conf, 'nimbus.port')],
    [3, null, [7000], false, ['localhost'], 6627],
  );
  // @ts-expect-error a key unset by default may be null, so it is not a plain number
  const notNumber: number = getConfig(conf, 'topology.max.spout.pending');
  assert.equal(notNumber, null);
  // @ts-expect-error a typo'd key does not compile
  const typo = () => getConfig(conf, 'topology.wokers');
  assert.equal(typeof typo, 'function');
  const typed: ConfigValue<'topology.environment'> = { A: '1' };
  assert.deepEqual(typed, { A: '1' });
});

test('configMs reads seconds as milliseconds; effectiveConfig lays layers over the defaults', () => {
  assert.equal(configMs({}, 'topology.message.timeout.secs'), 30_000);
  assert.equal(configMs({ 'nimbus.monitor.freq.secs': 0.5 }, 'nimbus.monitor.freq.secs'), 500);
  const tick: number | null = configMs({}, 'topology.tick.tuple.freq.secs');
  assert.equal(tick, null);
  // @ts-expect-error only *.secs keys are read as milliseconds
  const notSecs = () => configMs({}, 'topology.workers');
  assert.equal(typeof notSecs, 'function');
  const conf = effectiveConfig({ 'topology.workers': 2 }, undefined, { 'topology.debug': true });
  assert.deepEqual(conf, { ...defaultConfig(), 'topology.workers': 2, 'topology.debug': true });
});
