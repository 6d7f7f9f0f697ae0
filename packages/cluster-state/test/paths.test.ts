import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ClusterPaths,
  decodeDocument,
  decodeSegment,
  encodeDocument,
  encodeSegment,
  InvalidDocumentError,
  InvalidNameError,
} from '../src';

describe('ClusterPaths', () => {
  it('lays out the ZooKeeper tree under the default root', () => {
    const paths = new ClusterPaths();
    assert.equal(paths.storm('wc-1-1700000000'), '/squall/storms/wc-1-1700000000');
    assert.equal(paths.assignment('t'), '/squall/assignments/t');
    assert.equal(paths.supervisor('s1'), '/squall/supervisors/s1');
    assert.equal(paths.nimbus('nimbus-a:6627'), '/squall/nimbuses/nimbus-a:6627');
    assert.equal(paths.leaderLock, '/squall/leader-lock');
    assert.equal(paths.blobReplica('t-pkg', 'n:1'), '/squall/blobs/t-pkg/n:1');
    assert.equal(paths.componentErrors('t', 'split'), '/squall/errors/t/split');
  });

  it('accepts another root and drops a trailing slash', () => {
    assert.equal(new ClusterPaths('/apps/squall/').storms, '/apps/squall/storms');
    assert.throws(() => new ClusterPaths('squall'), InvalidNameError);
  });

  it('encodes names ZooKeeper would reject, and decodes them back exactly', () => {
    for (const name of ['a/b', '..', '.', '100%', 'tab\there', 'emoji-\u{1F600}', 'plain_id-1']) {
      const segment = encodeSegment('component', name);
      assert.ok(!segment.includes('/') && segment !== '.' && segment !== '..', segment);
      assert.equal(decodeSegment(segment), name);
    }
    assert.equal(encodeSegment('id', 'host:6627'), 'host:6627');
    assert.throws(() => encodeSegment('component', ''), InvalidNameError);
  });
});

describe('document codec', () => {
  it('stamps and strips the schema version', () => {
    const data = encodeDocument({ name: 'wc' });
    assert.deepEqual(JSON.parse(data.toString()), { version: 1, name: 'wc' });
    assert.deepEqual(decodeDocument('/p', data), { name: 'wc' });
  });

  it('refuses foreign or newer documents', () => {
    assert.throws(() => decodeDocument('/p', Buffer.from('nope')), InvalidDocumentError);
    assert.throws(() => decodeDocument('/p', Buffer.from('[1]')), InvalidDocumentError);
    assert.throws(() => decodeDocument('/p', Buffer.from('{"version":2}')), /newer/);
    assert.throws(() => decodeDocument('/p', Buffer.alloc(0)), InvalidDocumentError);
  });
});
