/**
 * An executor's inbound queue: a growable ring buffer of (target task, message) pairs. `capacity` is the soft bound
 * of `topology.executor.receive.buffer.size`: pushing past it never drops anything (a bolt's emit cannot block the
 * single event loop) but reports the crossing, so the worker pauses its spouts until the queue drains below it.
 */
export class TaskQueue<T> {
  private tasks: Int32Array;
  private items: Array<T | undefined>;
  private head = 0;
  private length = 0;
  /** Largest size ever reached, for tests and diagnostics. */
  highWater = 0;

  constructor(
    readonly capacity: number,
    /** Called with +1 when the queue grows past capacity, -1 when it falls back to it. */
    private readonly onPressure: (delta: 1 | -1) => void,
  ) {
    const initial = Math.min(1024, pow2AtLeast(capacity));
    this.tasks = new Int32Array(initial);
    this.items = new Array<T | undefined>(initial);
  }

  get size(): number {
    return this.length;
  }
  /** Whether the queue is over its soft capacity. */
  get overfull(): boolean {
    return this.length > this.capacity;
  }

  push(task: number, item: T): void {
    if (this.length === this.items.length) this.grow();
    const i = (this.head + this.length) & (this.items.length - 1);
    this.tasks[i] = task;
    this.items[i] = item;
    this.length++;
    if (this.length > this.highWater) this.highWater = this.length;
    if (this.length === this.capacity + 1) this.onPressure(1);
  }

  /** Task of the oldest entry; only valid when size > 0. */
  peekTask(): number {
    return this.tasks[this.head]!;
  }

  /** Removes and returns the oldest item; only valid when size > 0 (read its task with peekTask first). */
  shift(): T {
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.length--;
    if (this.length === this.capacity) this.onPressure(-1);
    return item;
  }

  private grow(): void {
    const n = this.items.length * 2;
    const tasks = new Int32Array(n);
    const items = new Array<T | undefined>(n);
    for (let k = 0; k < this.length; k++) {
      const i = (this.head + k) & (this.items.length - 1);
      tasks[k] = this.tasks[i]!;
      items[k] = this.items[i];
    }
    this.tasks = tasks;
    this.items = items;
    this.head = 0;
  }
}

function pow2AtLeast(n: number): number {
  let p = 16;
  while (p < n) p *= 2;
  return p;
}
