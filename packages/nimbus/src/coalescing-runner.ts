/**
 * Runs an async job one at a time. `run()` starts it now or, while a run is in progress, asks for one more run right
 * after it (any number of calls during a run coalesce into that one) and returns the promise of the run in progress.
 * A failing job is reported to `onError`; the promise never rejects.
 */
export class CoalescingRunner {
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly job: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  run(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          try {
            await this.job();
          } catch (err) {
            this.onError(err);
          }
        } while (this.again && !this.stopped);
      } finally {
        // Cleared in the same turn as the last `again` check: a run() after it starts a new run rather than setting
        // `again` for a loop that has ended. (The body always awaits, so this runs after the assignment.)
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** True once {@link stop} was called: a long job can check it to end early. */
  get isStopped(): boolean {
    return this.stopped;
  }

  /** Starts no more runs; resolves once the run in progress, if any, has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }
}
