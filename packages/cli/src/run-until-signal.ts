import type { Logger } from '@squall/core';

/** Keeps a daemon running until SIGTERM/SIGINT, then shuts it down (a second signal forces exit). */
export function runUntilSignal(shutdown: () => Promise<void>, log: Logger): void {
  const stop = (signal: string) => {
    log.info(`${signal}: shutting down`);
    process.once('SIGINT', () => process.exit(130));
    process.once('SIGTERM', () => process.exit(143));
    shutdown().then(
      () => {
        log.flush();
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
