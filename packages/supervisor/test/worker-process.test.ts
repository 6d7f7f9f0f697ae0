import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDaemonSecretVar, workerChildopts, workerEnvironment } from '../src';

test("a worker's environment keeps the supervisor's but its secrets, and adds topology.environment", () => {
  const env = workerEnvironment(
    {
      PATH: '/bin',
      HOME: '/h',
      SQUALL_NIMBUS_AUTH_TOKEN: 't',
      SQUALL_SQUALL_CLUSTER_SECRET: 'c',
      SQUALL_STORM_ZOOKEEPER_AUTH_SECRET: 'z',
      SQUALL_SQUALL_TLS_KEY: '/k',
      SQUALL_CONF: '/etc/squall.yaml',
      SQUALL_TOPOLOGY_WORKERS: '2',
    },
    { EXTRA: 1 },
  );
  assert.deepEqual(env, { PATH: '/bin', HOME: '/h', SQUALL_TOPOLOGY_WORKERS: '2', EXTRA: '1' });
  assert.equal(isDaemonSecretVar('squall_nimbus_auth_token'), true);
  assert.equal(isDaemonSecretVar('MY_SECRET'), false, "only Squall's own variables are the supervisor's to hide");
});

test("worker flags: the operator's first, then the topology's without debugger flags; the topology's worker.childopts is ignored", () => {
  const conf = {
    'worker.childopts': '--inspect',
    'topology.worker.childopts':
      '--max-old-space-size=512 --inspect=0.0.0.0:9229 --inspect-brk --debug-port=1 --stack-size=2000',
  };
  assert.deepEqual(workerChildopts('--max-old-space-size=2048 --inspect=127.0.0.1:9230', conf), [
    '--max-old-space-size=2048',
    '--inspect=127.0.0.1:9230',
    '--max-old-space-size=512',
    '--stack-size=2000',
  ]);
  assert.deepEqual(workerChildopts('', {}), []);
});
