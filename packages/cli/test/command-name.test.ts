import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { squallCommand } from '../src/command-name';

test('hints say `squall` when it is on PATH, `npx squall` when only npm puts it there or nothing does', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'squall-path-'));
  try {
    const bin = path.join(dir, 'bin');
    const npmBin = path.join(dir, 'node_modules', '.bin');
    for (const d of [bin, npmBin]) mkdirSync(d, { recursive: true });
    writeFileSync(path.join(npmBin, 'squall'), '#!/bin/sh\n');
    chmodSync(path.join(npmBin, 'squall'), 0o755);
    assert.equal(squallCommand({ PATH: `${npmBin}:/usr/bin` }), 'npx squall');
    assert.equal(squallCommand({ PATH: bin }), 'npx squall');
    writeFileSync(path.join(bin, 'squall'), '#!/bin/sh\n');
    assert.equal(squallCommand({ PATH: `${npmBin}:${bin}` }), 'squall');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
