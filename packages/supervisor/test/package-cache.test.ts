import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '@squall/core';
import { PackageCache } from '../src/package-cache';

const DIGEST_A = 'a'.repeat(64);
const DIGEST_B = 'b'.repeat(64);

/** A package as a download leaves it: the extracted tree and, beside it, the descriptor with the topology's secret. */
function place(cache: PackageCache, topologyId: string, digest: string, manifest?: object): string {
  const dir = path.join(cache.dir, `${topologyId}-${digest.slice(0, 12)}`);
  mkdirSync(path.join(dir, 'resources'), { recursive: true });
  if (manifest) writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  writeFileSync(
    `${dir}.topology.json`,
    JSON.stringify({ topologyId, spec: { name: topologyId }, conf: {}, secret: 's3cret' }),
  );
  return dir;
}

function withCache(fn: (cache: PackageCache) => void): void {
  const root = mkdtempSync(path.join(tmpdir(), 'squall-package-cache-'));
  try {
    fn(new PackageCache(path.join(root, 'packages'), silentLogger()));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('get finds a package on disk once and then answers from memory: descriptor and manifest', () => {
  withCache((cache) => {
    assert.equal(cache.get('wc-1-1', DIGEST_A), undefined, 'nothing downloaded yet');
    const dir = place(cache, 'wc-1-1', DIGEST_A, { entry: 'topology.js', python: { hash: 'h' } });
    const pkg = cache.get('wc-1-1', DIGEST_A)!;
    assert.equal(pkg.dir, dir);
    assert.equal(pkg.topology.secret, 's3cret');
    assert.deepEqual(pkg.manifest, { entry: 'topology.js', python: { hash: 'h' } });
    // What a step reads is held in memory: the files are not read again.
    rmSync(path.join(dir, 'manifest.json'));
    rmSync(`${dir}.topology.json`);
    assert.deepEqual(cache.get('wc-1-1', DIGEST_A)?.manifest, { entry: 'topology.js', python: { hash: 'h' } });
  });
});

test('a package without a manifest has an empty one; unsafe ids and digests are never looked up', () => {
  withCache((cache) => {
    place(cache, 'wc-1-1', DIGEST_A);
    assert.deepEqual(cache.get('wc-1-1', DIGEST_A)?.manifest, {});
    assert.equal(cache.get('../wc-1-1', DIGEST_A), undefined);
    assert.equal(cache.get('wc-1-1', 'not-a-digest'), undefined);
  });
});

test('prune removes every package (and descriptor) not kept, forgets it in memory, and keeps the rest', () => {
  withCache((cache) => {
    const kept = place(cache, 'wc-1-1', DIGEST_A);
    const old = place(cache, 'wc-1-1', DIGEST_B);
    const killed = place(cache, 'other-2-2', DIGEST_A);
    assert.ok(cache.get('wc-1-1', DIGEST_B), 'the old version was read into memory');
    mkdirSync(path.join(cache.dir, `wc-1-1-${DIGEST_B.slice(0, 12)}.tmp-12345`));
    const removed = cache.prune(new Set([`wc-1-1@${DIGEST_A}`]));
    assert.deepEqual(
      removed.sort(),
      [path.basename(killed), path.basename(old), `${path.basename(old)}.tmp-12345`].sort(),
    );
    assert.deepEqual(
      readdirSync(cache.dir).sort(),
      [path.basename(kept), `${path.basename(kept)}.topology.json`].sort(),
    );
    assert.equal(cache.get('wc-1-1', DIGEST_B), undefined, 'a pruned package is gone from memory too');
    assert.ok(cache.get('wc-1-1', DIGEST_A));
    assert.ok(existsSync(kept));
  });
});
