/** One error reported by a component. */
export interface ComponentError {
  component: string;
  task: number;
  /** Wall-clock ms. */
  timeMs: number;
  message: string;
  stack?: string;
  host?: string;
  port?: number;
}

/** Formats anything thrown as a one-line message. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return `${error.name === 'Error' ? '' : error.name + ': '}${error.message}`;
  return typeof error === 'string' ? error : JSON.stringify(error);
}

/** Keeps the last `perComponent` errors of each component (Storm shows the last few in its UI). */
export class ErrorLog {
  private readonly byComponent = new Map<string, ComponentError[]>();
  /** Every error ever added, for counting. */
  total = 0;

  constructor(private readonly perComponent = 10) {}

  add(e: ComponentError): void {
    const list = this.byComponent.get(e.component) ?? [];
    list.push(e);
    if (list.length > this.perComponent) list.shift();
    this.byComponent.set(e.component, list);
    this.total++;
  }
  /** Errors of one component, oldest first. */
  of(component: string): readonly ComponentError[] {
    return this.byComponent.get(component) ?? [];
  }
  /** All kept errors, oldest first. */
  all(): ComponentError[] {
    return [...this.byComponent.values()].flat().sort((a, b) => a.timeMs - b.timeMs);
  }
}

/**
 * Storm's error throttle (`topology.error.throttle.interval.secs`, `topology.max.error.report.per.interval`): each
 * task reports at most `max` errors per interval. A bolt failing on every tuple would otherwise send thousands of
 * reports a second to nimbus, each a ZooKeeper write. Suppressed errors are still logged by the caller; when a task's
 * next interval starts, `onSuppressed` hears how many of the last one were held back.
 */
export class ErrorThrottle {
  private readonly byTask = new Map<
    number,
    { component: string; windowStart: number; count: number; suppressed: number }
  >();

  constructor(
    private readonly intervalMs: number,
    private readonly max: number,
    private readonly onSuppressed: (component: string, task: number, suppressed: number) => void,
  ) {}

  /** Whether an error of `task` now may be reported. */
  admit(component: string, task: number, nowMs: number): boolean {
    let s = this.byTask.get(task);
    if (s === undefined) this.byTask.set(task, (s = { component, windowStart: nowMs, count: 0, suppressed: 0 }));
    else if (nowMs - s.windowStart >= this.intervalMs) {
      if (s.suppressed > 0) this.onSuppressed(s.component, task, s.suppressed);
      s.windowStart = nowMs;
      s.count = 0;
      s.suppressed = 0;
    }
    if (s.count < this.max) {
      s.count++;
      return true;
    }
    s.suppressed++;
    return false;
  }
}
