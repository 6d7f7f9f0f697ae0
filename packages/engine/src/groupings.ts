import type { CustomStreamGrouping, Fields, GroupingSpec, TopologyContext } from '@squall/api';
import { Buckets, hashSelected, hashValue } from './hashing';

/**
 * Picks the receiving tasks of one subscriber for each emitted tuple. Implementations return cached arrays so an emit
 * allocates nothing for routing; callers must not mutate the result.
 */
export interface TaskChooser {
  chooseTasks(sourceTask: number, values: readonly unknown[]): readonly number[];
}

const EMPTY: readonly number[] = Object.freeze([]);
const singletons = (tasks: readonly number[]): Array<readonly number[]> => tasks.map((t) => Object.freeze([t]));

/** Round-robin over the tasks from a random start: even and allocation-free (Storm's shuffle). */
class ShuffleChooser implements TaskChooser {
  private readonly one: Array<readonly number[]>;
  private next: number;
  constructor(tasks: readonly number[]) {
    this.one = singletons(tasks);
    this.next = Math.floor(Math.random() * Math.max(1, tasks.length));
  }
  chooseTasks(): readonly number[] {
    if (this.one.length === 0) return EMPTY;
    const i = this.next;
    this.next = i + 1 === this.one.length ? 0 : i + 1;
    return this.one[i]!;
  }
}

/** Same values of the selected fields → same task, in every process (deterministic hash). */
class FieldsChooser implements TaskChooser {
  private readonly one: Array<readonly number[]>;
  private readonly buckets: Buckets;
  constructor(
    tasks: readonly number[],
    private readonly indices: readonly number[],
  ) {
    this.one = singletons(tasks);
    this.buckets = new Buckets(tasks.length);
  }
  chooseTasks(_s: number, values: readonly unknown[]): readonly number[] {
    return this.one[this.buckets.of(hashSelected(values, this.indices))]!;
  }
}

/**
 * Partial key grouping: two candidate tasks per key from two hashes; the one this emitter has sent less to wins.
 * Spreads hot keys over two tasks while keeping each key on at most two.
 */
class PartialKeyChooser implements TaskChooser {
  private readonly one: Array<readonly number[]>;
  private readonly load: Float64Array;
  private readonly buckets: Buckets;
  constructor(
    tasks: readonly number[],
    private readonly indices: readonly number[],
  ) {
    this.one = singletons(tasks);
    this.load = new Float64Array(tasks.length);
    this.buckets = new Buckets(tasks.length);
  }
  chooseTasks(_s: number, values: readonly unknown[]): readonly number[] {
    const h1 = hashSelected(values, this.indices);
    const h2 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b) ^ hashValue(h1 + 1);
    const a = this.buckets.of(h1);
    const b = this.buckets.of(h2);
    const pick = this.load[a]! <= this.load[b]! ? a : b;
    this.load[pick]!++;
    return this.one[pick]!;
  }
}

class FixedChooser implements TaskChooser {
  constructor(private readonly tasks: readonly number[]) {}
  chooseTasks(): readonly number[] {
    return this.tasks;
  }
}

class CustomChooser implements TaskChooser {
  constructor(private readonly grouping: CustomStreamGrouping) {}
  chooseTasks(sourceTask: number, values: readonly unknown[]): readonly number[] {
    return this.grouping.chooseTasks(sourceTask, values);
  }
}

/** What {@link createChooser} needs besides the grouping. */
export interface ChooserInput {
  grouping: GroupingSpec;
  /** Subscriber's task ids, ascending. */
  targetTasks: readonly number[];
  /** The emitting stream's fields. */
  streamFields: Fields;
  /** Which tasks run in this worker (for localOrShuffle). */
  isLocal: (task: number) => boolean;
  context: TopologyContext;
  source: { component: string; stream: string };
  makeCustom: (name: string) => CustomStreamGrouping;
}

/** Builds the chooser of one subscription; `undefined` for direct grouping (the emitter names the task). */
export function createChooser(input: ChooserInput): TaskChooser | undefined {
  const { grouping: g, targetTasks } = input;
  const tasks = Object.freeze([...targetTasks].sort((a, b) => a - b));
  switch (g.type) {
    case 'shuffle':
    case 'none':
      return new ShuffleChooser(tasks);
    case 'fields':
      return new FieldsChooser(
        tasks,
        g.fields.map((f) => input.streamFields.fieldIndex(f)),
      );
    case 'partialKey':
      return new PartialKeyChooser(
        tasks,
        g.fields.map((f) => input.streamFields.fieldIndex(f)),
      );
    case 'all':
      return new FixedChooser(tasks);
    case 'global':
      return new FixedChooser(tasks.length > 0 ? Object.freeze([tasks[0]!]) : EMPTY);
    case 'localOrShuffle': {
      const local = tasks.filter(input.isLocal);
      return new ShuffleChooser(local.length > 0 ? local : tasks);
    }
    case 'direct':
      return undefined;
    case 'custom': {
      const custom = input.makeCustom(g.name);
      custom.prepare(input.context, input.source, tasks);
      return new CustomChooser(custom);
    }
  }
}
