import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Spout,
  StatefulBolt,
  TopologyBuilder,
  stateProviderChoice,
  topologyProblems,
  type KeyValueState,
  type OutputFieldsDeclarer,
  type Tuple,
} from '../src';

class S extends Spout {
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['w']);
  }
  override nextTuple(): void {}
}
class C extends StatefulBolt<string, number> {
  override initState(_s: KeyValueState<string, number>): void {}
  override execute(_t: Tuple): void {}
}

function stateful(conf: Record<string, unknown>) {
  const b = new TopologyBuilder();
  b.setSpout('s', S);
  b.setBolt('c', C).shuffleGrouping('s');
  return b.createTopology('st', conf);
}

test('state provider settings are checked at submit, every problem named', () => {
  assert.deepEqual(topologyProblems(stateful({})), []);
  assert.deepEqual(
    topologyProblems(
      stateful({ 'topology.state.provider': 'redis', 'topology.state.provider.config': '{"port":7000}' }),
    ),
    [],
  );
  assert.deepEqual(
    topologyProblems(
      stateful({
        'topology.state.provider': 'org.apache.storm.redis.state.RedisKeyValueStateProvider',
        'topology.state.provider.config': { jedisPoolConfig: { host: 'r', port: 7001 } },
      }),
    ),
    [],
  );
  assert.deepEqual(topologyProblems(stateful({ 'topology.state.provider': 'mongo' })), [
    'config: topology.state.provider: unknown state provider "mongo" (known: memory, redis, org.apache.storm.state.InMemoryKeyValueStateProvider, org.apache.storm.redis.state.RedisKeyValueStateProvider)',
  ]);
  assert.deepEqual(
    topologyProblems(stateful({ 'topology.state.provider': 'redis', 'topology.state.provider.config': '{port: 1' }))
      .length,
    1,
  );
  assert.match(
    topologyProblems(
      stateful({ 'topology.state.provider': 'redis', 'topology.state.provider.config': '{port: 1' }),
    )[0]!,
    /^config: topology\.state\.provider\.config must be a JSON object, got text that is not JSON/,
  );
  assert.deepEqual(
    topologyProblems(
      stateful({
        'topology.state.provider': 'redis',
        'topology.state.provider.config': { port: 70000, hots: 'x', database: -1 },
      }),
    ),
    [
      "config: topology.state.provider.config: unknown setting 'hots' (known: host, port, password, database, timeout, keyPrefix, jedisPoolConfig)",
      "config: topology.state.provider.config: 'port' must be an integer from 1 to 65535, got 70000",
      "config: topology.state.provider.config: 'database' must be an integer from 0 to 65535, got -1",
    ],
  );
  assert.deepEqual(topologyProblems(stateful({ 'topology.state.checkpoint.interval.ms': 50 })), [
    'config: topology.state.checkpoint.interval.ms must be at least 100, got 50',
  ]);
});

test('the provider choice: defaults, the flat and the jedisPoolConfig forms', () => {
  assert.deepEqual(stateProviderChoice({}), { name: 'memory' });
  assert.deepEqual(
    stateProviderChoice({
      'topology.state.provider': 'redis',
      'topology.state.provider.config': { jedisPoolConfig: { host: 'r', port: 7001, password: 'p' }, keyPrefix: 'k:' },
    }),
    {
      name: 'redis',
      options: { host: 'r', port: 7001, password: 'p', database: 0, timeoutMs: 2000, keyPrefix: 'k:' },
    },
  );
});
