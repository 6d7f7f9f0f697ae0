/**
 * For commands that poll until Ctrl-C (`logs -f`, `monitor`): `stopped` turns true on SIGINT or SIGTERM, and a
 * {@link InterruptiblePoll.sleep} in progress ends at once, so the command stops without waiting out its interval.
 * `dispose()` removes the signal handlers.
 */
export class InterruptiblePoll {
  private isStopped = false;
  private wake: (() => void) | undefined;
  private readonly stop = (): void => {
    this.isStopped = true;
    this.wake?.();
  };

  constructor() {
    process.once('SIGINT', this.stop);
    process.once('SIGTERM', this.stop);
  }

  /** Whether a signal came. */
  get stopped(): boolean {
    return this.isStopped;
  }

  /** Waits `secs` seconds, or less if a signal comes. */
  sleep(secs: number): Promise<void> {
    if (this.isStopped) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, secs * 1000);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  dispose(): void {
    process.off('SIGINT', this.stop);
    process.off('SIGTERM', this.stop);
  }
}
