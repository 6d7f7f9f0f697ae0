import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonCodec, MsgpackCodec, ProtocolViolationError } from '../src';

const LIMIT = 64 * 1024 * 1024;

test('a JSON message that never ends is refused once it passes 64 MiB, not buffered forever', () => {
  const codec = new JsonCodec();
  const chunk = Buffer.alloc(8 * 1024 * 1024, 'a');
  assert.deepEqual(codec.feed(Buffer.from('{"command":"log","msg":"')), []);
  let err: unknown;
  for (let fed = 0; fed <= LIMIT + chunk.length && !err; fed += chunk.length) {
    try {
      codec.feed(chunk);
    } catch (e) {
      err = e;
    }
  }
  assert.ok(err instanceof ProtocolViolationError, String(err));
  assert.match(err.message, /protocol violation: no 'end' line after \d+ characters \(message starts "\{\\"command/);
});

test('a msgpack message declaring a huge length is refused once it passes 64 MiB', () => {
  const codec = new MsgpackCodec();
  // bin32 of 4 GiB - 1: the header promises more than any message may hold.
  const header = Buffer.from([0xc6, 0xff, 0xff, 0xff, 0xff]);
  let err: unknown;
  try {
    codec.feed(header);
    const chunk = Buffer.alloc(8 * 1024 * 1024);
    for (let fed = 0; fed <= LIMIT + chunk.length; fed += chunk.length) codec.feed(chunk);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ProtocolViolationError, String(err));
});

test('bytes that are not UTF-8 JSON between end lines are a protocol violation naming the text', () => {
  assert.throws(
    () => new JsonCodec().feed(Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x01]), Buffer.from('\nend\n')])),
    ProtocolViolationError,
  );
});
