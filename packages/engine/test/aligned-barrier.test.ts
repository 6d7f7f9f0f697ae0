import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OutputCollector, TopologyContext, Tuple } from '@squall/api';
import { AlignedBarrier } from '../src/state/aligned-barrier';

/** A bolt task reading `$checkpoint` and data from two upstream tasks, 1 and 2. */
function setup(actResult: () => void | 'failed' = () => undefined) {
  const context = {
    getThisSources: () =>
      new Map([
        [
          'split',
          new Map([
            ['default', {}],
            ['$checkpoint', {}],
          ]),
        ],
      ]),
    getComponentTasks: () => [1, 2],
  } as unknown as TopologyContext;
  const log: string[] = [];
  const name = (t: Tuple) =>
    `${t.sourceStreamId === '$checkpoint' ? (t.values as unknown[]).join('/') : t.values[0]}@${t.sourceTask}`;
  const collector = {
    ack: (t: Tuple) => log.push(`ack ${name(t)}`),
    fail: (t: Tuple) => log.push(`fail ${name(t)}`),
    emit: (stream: string, anchor: Tuple, values: unknown[]) =>
      log.push(`emit ${stream} ${values.join('/')} on ${name(anchor)}`),
    reportError: (e: Error) => log.push(`error ${e.message}`),
  } as unknown as OutputCollector;
  const barrier = new AlignedBarrier(context);
  const acted: string[] = [];
  const ran: string[] = [];
  /** What the bolt executor does with one input. */
  const deliver = (first: Tuple): void => {
    const work = [first];
    for (let i = 0; i < work.length; i++) {
      const t = work[i]!;
      if (barrier.hold(t)) continue;
      if (t.sourceStreamId === '$checkpoint') {
        const step = barrier.receive(t, collector, (action, txid) => {
          acted.push(`${action} ${txid}`);
          return actResult();
        });
        work.push(...step.released);
      } else ran.push(name(t));
    }
  };
  const data = (v: string, from: number) =>
    ({ values: [v], sourceTask: from, sourceStreamId: 'default' }) as unknown as Tuple;
  const cp = (txid: number, action: string, epoch: number, from: number) =>
    ({ values: [txid, action, epoch], sourceTask: from, sourceStreamId: '$checkpoint' }) as unknown as Tuple;
  return { barrier, deliver, data, cp, log, acted, ran };
}

test('aligned barrier: inputs after a checkpoint from one task wait until every task sent it; then act, forward, and run them in order', () => {
  const { barrier, deliver, data, cp, log, acted, ran } = setup();
  assert.equal(barrier.inputTasks, 2);
  deliver(data('a1', 1));
  deliver(cp(1, 'PREPARE', 7, 1));
  deliver(data('a2', 1)); // held: task 1 is past the checkpoint
  deliver(data('b1', 2)); // runs: task 2 is not
  deliver(data('a3', 1));
  assert.deepEqual(ran, ['a1@1', 'b1@2']);
  assert.equal(barrier.heldCount, 2);
  assert.deepEqual(acted, []);
  deliver(cp(1, 'PREPARE', 7, 2));
  assert.deepEqual(acted, ['PREPARE 1']);
  assert.deepEqual(ran, ['a1@1', 'b1@2', 'a2@1', 'a3@1']);
  assert.equal(barrier.heldCount, 0);
  assert.deepEqual(log, ['ack 1/PREPARE/7@1', 'emit $checkpoint 1/PREPARE/7 on 1/PREPARE/7@2', 'ack 1/PREPARE/7@2']);
  deliver(data('b2', 2));
  assert.deepEqual(ran.at(-1), 'b2@2');
});

test("aligned barrier: a held checkpoint of the next round waits behind its task's held inputs", () => {
  const { deliver, data, cp, acted, ran } = setup();
  deliver(cp(1, 'PREPARE', 1, 1));
  deliver(data('a1', 1));
  deliver(cp(1, 'COMMIT', 2, 1)); // held behind a1
  deliver(data('a2', 1));
  deliver(cp(1, 'PREPARE', 1, 2));
  // Released in order: a1 runs, COMMIT from task 1 starts the next round, a2 is held again behind it.
  assert.deepEqual(acted, ['PREPARE 1']);
  assert.deepEqual(ran, ['a1@1']);
  deliver(cp(1, 'COMMIT', 2, 2));
  assert.deepEqual(acted, ['PREPARE 1', 'COMMIT 1']);
  assert.deepEqual(ran, ['a1@1', 'a2@1']);
});

test('aligned barrier: a newer epoch abandons an incomplete round (a lost copy) and releases what it held; late copies of older epochs are ignored', () => {
  const { barrier, deliver, data, cp, log, acted, ran } = setup();
  deliver(cp(3, 'PREPARE', 10, 1)); // task 2's copy is lost with its worker
  deliver(data('a1', 1));
  assert.equal(barrier.heldCount, 1);
  deliver(cp(3, 'ROLLBACK', 11, 2)); // the recovery, from task 2 first
  assert.deepEqual(ran, ['a1@1'], 'released when the round was abandoned');
  assert.deepEqual(acted, []);
  deliver(cp(3, 'PREPARE', 10, 2)); // a late copy of the abandoned try: ignored, not a new round
  deliver(data('b1', 2)); // held: task 2 already sent epoch 11
  deliver(cp(3, 'ROLLBACK', 11, 1));
  assert.deepEqual(acted, ['ROLLBACK 3']);
  assert.deepEqual(ran, ['a1@1', 'b1@2']);
  assert.ok(log.includes('ack 3/PREPARE/10@2'), 'the late copy is acked');
  assert.ok(log.includes('emit $checkpoint 3/ROLLBACK/11 on 3/ROLLBACK/11@1'));
  deliver(cp(3, 'ROLLBACK', 11, 2)); // a duplicate of an epoch already acted on
  assert.deepEqual(acted, ['ROLLBACK 3']);
  assert.equal(barrier.heldCount, 0);
});

test('aligned barrier: an action that fails fails the last copy, forwards nothing, and still releases the held inputs', () => {
  const { deliver, data, cp, log, acted, ran } = setup(() => 'failed');
  deliver(cp(1, 'PREPARE', 1, 2));
  deliver(data('b1', 2));
  assert.deepEqual(ran, []);
  deliver(cp(1, 'PREPARE', 1, 1));
  assert.deepEqual(acted, ['PREPARE 1']);
  assert.deepEqual(ran, ['b1@2']);
  assert.deepEqual(log, ['ack 1/PREPARE/1@2', 'fail 1/PREPARE/1@1']);
});
