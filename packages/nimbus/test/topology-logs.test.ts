import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cutLines, lineOfComponent } from '../src/topology-logs';

const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

test('cutLines returns complete lines and leaves the unfinished one for the next read', () => {
  assert.deepEqual(cutLines(bytes('a\nbb\nccc'), 100, false, false), {
    lines: ['a', 'bb'],
    offset: 100,
    nextOffset: 105,
  });
  assert.deepEqual(cutLines(bytes('a\r\nbb\n'), 0, false, false), { lines: ['a', 'bb'], offset: 0, nextOffset: 6 });
  assert.deepEqual(cutLines(bytes('partial'), 7, false, false), { lines: [], offset: 7, nextOffset: 7 });
  assert.deepEqual(cutLines(bytes(''), 0, false, false), { lines: [], offset: 0, nextOffset: 0 });
});

test('cutLines on a full read without a line end returns the long line so a follower does not stall', () => {
  assert.deepEqual(cutLines(bytes('xxxx'), 10, false, true), { lines: ['xxxx'], offset: 10, nextOffset: 14 });
});

test('cutLines on a tail read drops the partial first line but keeps a whole one that starts the window', () => {
  // The byte before the wanted start is the end of the previous line: "next" is whole.
  assert.deepEqual(cutLines(bytes('\nnext\nlast\n'), 49, true, true), {
    lines: ['next', 'last'],
    offset: 50,
    nextOffset: 60,
  });
  // The window starts inside "…tail": dropped.
  assert.deepEqual(cutLines(bytes('il\nnext\n'), 49, true, true), { lines: ['next'], offset: 52, nextOffset: 57 });
  // A tail read inside one line longer than the window shows what it read of it.
  assert.deepEqual(cutLines(bytes('xyyy'), 5, true, true), { lines: ['yyy'], offset: 6, nextOffset: 9 });
});

test('cutLines keeps multi-byte characters whole', () => {
  const r = cutLines(bytes('héllo wörld\n€\n'), 0, false, false);
  assert.deepEqual(r.lines, ['héllo wörld', '€']);
  assert.equal(r.nextOffset, Buffer.byteLength('héllo wörld\n€\n'));
});

test('lineOfComponent drops only JSON lines of another component', () => {
  assert.equal(lineOfComponent('{"component":"count","msg":"x"}', 'count'), true);
  assert.equal(lineOfComponent('{"component":"word","msg":"x"}', 'count'), false);
  assert.equal(lineOfComponent('{"msg":"no component"}', 'count'), true);
  assert.equal(lineOfComponent('plain stderr line', 'count'), true);
  assert.equal(lineOfComponent('{not json', 'count'), true);
});
