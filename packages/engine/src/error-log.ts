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
