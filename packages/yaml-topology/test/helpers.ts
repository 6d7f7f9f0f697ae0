import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** examples/wordcount-python: the YAML word count with Python components. */
export const WORDCOUNT_PYTHON = path.resolve(__dirname, '..', '..', '..', '..', 'examples', 'wordcount-python');

/** A temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'squall-yaml-test-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
