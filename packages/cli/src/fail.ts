import { SquallError } from '@squall/core';

let verbose = false;

/** Turns on stack traces in error output (`--verbose`). */
export function setVerbose(on: boolean): void {
  verbose = on;
}

/**
 * Prints an error as one clear line (`squall: <message>`) on stderr and exits non-zero; the stack only with
 * `--verbose`. Multi-line messages (validation problem lists) keep their lines.
 */
export function fail(err: unknown, exitCode = 1): never {
  const message = err instanceof SquallError || err instanceof Error ? err.message : String(err);
  process.stderr.write(`squall: ${message}\n`);
  if (verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  if (verbose && err instanceof Error && err.cause instanceof Error && err.cause.stack)
    process.stderr.write(`caused by: ${err.cause.stack}\n`);
  process.exit(exitCode);
}
