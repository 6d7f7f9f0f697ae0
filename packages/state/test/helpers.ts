import { randomBytes } from 'node:crypto';
import { createLogger, type Logger } from '@squall/core';

/** A namespace no other test (nor an earlier run against the same store) uses. */
export function uniqueNamespace(label: string): string {
  return `test/${label}-${randomBytes(6).toString('hex')}`;
}

/** A logger whose JSON lines are kept in `lines`, to assert on what was (and was not) logged. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(line) } });
  return { logger, lines };
}

/** Resolves once `check` returns true, polling; rejects with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
