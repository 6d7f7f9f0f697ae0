import fs from 'node:fs';
import path from 'node:path';
import pino, { type Logger, type DestinationStream } from 'pino';
import { SquallError } from './errors';

export type { Logger } from 'pino';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /**
   * Daemon or concern name put in every line's `component` field, e.g. `nimbus`. Leave it out for a root logger whose
   * children set `component` themselves (task loggers use the topology component id): pino would repeat the key.
   */
  component?: string;
  /** Minimum level. @default `process.env.SQUALL_LOG_LEVEL` or `info` */
  level?: string;
  /** Where lines go. @default stderr (stdout belongs to CLI output and the multi-lang protocol) */
  destination?: DestinationStream | string;
  /** Extra fields bound to every line (e.g. `topology`). */
  bindings?: Record<string, unknown>;
}

/**
 * Opens a log file for appending, now rather than in the background as pino would: a process that exits early (an
 * invalid topology) flushes its loggers on exit, and a destination still opening then throws "sonic boom is not
 * ready yet" over the real error. A file that cannot be opened fails here, naming it.
 */
function openLogFile(file: string): number {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    return fs.openSync(file, 'a');
  } catch (err) {
    throw new SquallError('LOG_FILE', `cannot open log file ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Creates a pino JSON logger. Every Squall line carries `component`; executors add `topology` and `task` through
 * child loggers so one grep finds one task's history across processes.
 */
export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? process.env.SQUALL_LOG_LEVEL ?? 'info';
  const dest =
    typeof options.destination === 'string'
      ? pino.destination({ fd: openLogFile(options.destination), sync: false })
      : (options.destination ?? pino.destination({ fd: 2, sync: false }));
  const base: Record<string, unknown> = { pid: process.pid, ...options.bindings };
  if (options.component !== undefined) base.component = options.component;
  return pino({ level, base }, dest);
}

/** A logger that discards everything; for tests and benchmarks. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
