/**
 * A metric a multi-lang child updates with `{"command":"metrics","name":..., "params":...}` (Storm's IShellMetric).
 * Register instances by name in the component's options; an update of an unregistered name is reported as an error.
 */
export interface ShellMetric {
  /** Applies one update from the child; `params` is whatever the child sent. Throw to report a bad update. */
  update(params: unknown): void;
  /** Current value, for display and tests. */
  value(): unknown;
}

/** Adds each update (a number, default 1) to a running count (Storm's CountShellMetric). */
export class CountShellMetric implements ShellMetric {
  private count = 0;
  update(params: unknown): void {
    if (params === undefined || params === null) this.count++;
    else if (typeof params === 'number' && Number.isFinite(params)) this.count += params;
    else if (typeof params === 'bigint') this.count += Number(params);
    else throw new TypeError(`a count metric takes a number, got ${JSON.stringify(params)}`);
  }
  value(): number {
    return this.count;
  }
}

/** Keeps the last value the child sent (a gauge). */
export class LastValueShellMetric implements ShellMetric {
  private last: unknown = undefined;
  update(params: unknown): void {
    this.last = params;
  }
  value(): unknown {
    return this.last;
  }
}
