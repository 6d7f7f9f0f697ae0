import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runChaos } from '../chaos/chaos-run';

// The short variant of `npm run test:chaos`: fewer tuples and a subset of the faults (a worker, the leader nimbus and
// a supervisor killed with SIGKILL); the full suite adds a ZooKeeper restart and a network partition.
test('chaos (short): SIGKILL of a worker, the leader nimbus and a supervisor lose no tracked tuple', async () => {
  const lines: string[] = [];
  const result = await runChaos({
    tuples: 20000,
    seconds: 45,
    faults: ['worker', 'nimbus', 'supervisor'],
    log: (l) => {
      lines.push(l);
      console.log(`# ${l}`);
    },
  });
  assert.equal(result.lost, 0, `ids never acked:\n${lines.join('\n')}`);
  assert.equal(result.acked, 20000);
  assert.equal(result.sinkIds, 20000, 'every id reached the verifying sink');
  assert.ok(result.workerRestartMs !== undefined && result.supervisorReassignMs !== undefined && result.nimbusFailoverMs !== undefined);
  assert.ok(result.acksDuringFailover! > 0, 'the topology kept running while nimbus failed over');
  assert.match(lines.join('\n'), /^20000 sent, 20000 acked, 0 lost, \d+ replayed$/m);
});
