import assert from 'node:assert/strict';
import { it } from 'node:test';
import { FlowControlError, ReceiveWindow, SendWindow } from '../src/index';

it('a slow consumer pauses the producer and resumes it as it drains', () => {
  const send = new SendWindow();
  const receive = new ReceiveWindow({ window: 10 });
  assert.equal(send.canSend, false, 'closed until the first credit');
  assert.equal(send.onCredit(receive.initialCredit), true);

  let batches = 0;
  while (send.canSend) {
    send.onSent(4);
    receive.onReceived(4);
    batches++;
  }
  assert.equal(batches, 3, 'the third batch overshoots the window by less than one batch');
  assert.equal(receive.buffered, 12);
  assert.throws(() => send.onSent(4), FlowControlError);
  assert.throws(() => receive.onReceived(4), FlowControlError);

  assert.equal(receive.onTaken(2), undefined, 'small progress is not worth a credit message');
  const limit = receive.onTaken(4);
  assert.equal(limit, 16);
  assert.equal(send.onCredit(limit as number), true);
  assert.equal(send.onCredit(12), false, 'stale credit is ignored');
  assert.equal(send.available, 4);
});

it('validates its window', () => {
  assert.throws(() => new ReceiveWindow({ window: 0 }), RangeError);
});
