import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoalescingRunner } from '../src/coalescing-runner';

const tick = () => new Promise((r) => setTimeout(r, 1));

test('run() during a run asks for exactly one more run; failures are reported, not thrown; stop() ends the runs', async () => {
  let runs = 0;
  let release: (() => void) | undefined;
  const errors: unknown[] = [];
  const runner = new CoalescingRunner(
    async () => {
      runs++;
      if (runs === 2) throw new Error('boom');
      await new Promise<void>((r) => (release = r));
    },
    (err) => errors.push(err),
  );
  const first = runner.run();
  await tick();
  assert.equal(runs, 1);
  const again = [runner.run(), runner.run(), runner.run()];
  assert.ok(
    again.every((p) => p === first),
    'calls during a run share its promise',
  );
  release!();
  await first;
  assert.equal(runs, 2, 'three calls during the first run gave one more run');
  assert.deepEqual(
    errors.map((e) => (e as Error).message),
    ['boom'],
  );

  const third = runner.run();
  assert.notEqual(third, first, 'a call after the runs ended starts a new one');
  await tick();
  assert.equal(runs, 3);
  void runner.run(); // asks for a fourth, which stop() cancels
  const stopped = runner.stop();
  release!();
  await stopped;
  await third;
  assert.equal(runs, 3);
  assert.equal(runner.isStopped, true);
  await runner.run();
  assert.equal(runs, 3, 'no runs after stop()');
});
