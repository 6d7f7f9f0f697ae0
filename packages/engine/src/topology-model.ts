import {
  ACKER_COMPONENT,
  CHECKPOINT_SPOUT_ID,
  exactlyOnceWiring,
  stateGuarantee,
  DEFAULT_STREAM,
  Fields,
  SYSTEM_COMPONENT,
  TICK_STREAM,
  type ComponentSpec,
  type GroupingSpec,
  type TaskLayout,
  type TopologySpec,
} from '@squall/api';
import { ACK_ACK_STREAM, ACK_FAIL_STREAM, ACK_INIT_STREAM, ACK_RESET_TIMEOUT_STREAM } from './acking';

/** One subscriber of a stream. */
export interface Subscription {
  component: string;
  grouping: GroupingSpec;
}

const ACK_FIELDS = new Fields(['spoutTask', 'seq', 'hi', 'lo']);
const COMPLETION_FIELDS = new Fields(['seq']);
const TICK_FIELDS = new Fields(['freqSecs']);

/**
 * Read-only facts about a topology that every executor of a worker shares: interned stream fields and keys,
 * subscriptions by stream, and the task layout. Built once per worker.
 */
export class TopologyModel {
  readonly components: ReadonlyMap<string, ComponentSpec>;
  private readonly fields = new Map<string, Fields>();
  private readonly keys = new Map<string, string>();
  private readonly subscribers = new Map<string, Subscription[]>();

  /** Whether stateful bolts' state is exactly-once: checkpoints then flow from the data spouts (see exactlyOnceWiring). */
  readonly exactlyOnce: boolean;
  /** The topology as this worker runs it: the stored spec, rewired for exactly-once state when asked. */
  readonly spec: TopologySpec;

  constructor(
    readonly topologyId: string,
    stored: TopologySpec,
    readonly layout: TaskLayout,
  ) {
    this.exactlyOnce =
      stored.components.some((c) => c.id === CHECKPOINT_SPOUT_ID) && stateGuarantee(stored.conf) === 'exactly-once';
    const spec = (this.spec = this.exactlyOnce ? exactlyOnceWiring(stored) : stored);
    this.components = new Map(spec.components.map((c) => [c.id, c]));
    for (const c of spec.components) {
      for (const s of c.outputs) this.fields.set(this.streamKey(c.id, s.id), new Fields(s.fields));
      for (const input of c.inputs) {
        const key = this.streamKey(input.component, input.stream);
        const list = this.subscribers.get(key) ?? [];
        list.push({ component: c.id, grouping: input.grouping });
        this.subscribers.set(key, list);
      }
    }
    for (const s of [ACK_INIT_STREAM, ACK_ACK_STREAM, ACK_FAIL_STREAM, ACK_RESET_TIMEOUT_STREAM]) {
      for (const c of [...spec.components.map((x) => x.id), ACKER_COMPONENT])
        this.fields.set(this.streamKey(c, s), c === ACKER_COMPONENT ? COMPLETION_FIELDS : ACK_FIELDS);
    }
    this.fields.set(this.streamKey(SYSTEM_COMPONENT, TICK_STREAM), TICK_FIELDS);
  }

  /** The interned `component:stream` string (one object per pair, so map lookups hash it once). */
  streamKey(component: string, stream: string): string {
    const raw = `${component}:${stream}`;
    let k = this.keys.get(raw);
    if (k === undefined) this.keys.set(raw, (k = raw));
    return k;
  }

  /** Declared fields of a stream (system streams included), or undefined. */
  streamFields(component: string, stream: string = DEFAULT_STREAM): Fields | undefined {
    return this.fields.get(`${component}:${stream}`);
  }

  /** Components subscribed to a stream. */
  subscribersOf(component: string, stream: string): readonly Subscription[] {
    return this.subscribers.get(`${component}:${stream}`) ?? [];
  }

  /** Tasks of a component, ascending. */
  tasksOf(component: string): readonly number[] {
    return this.layout.componentTasks.get(component) ?? [];
  }

  /** Acker task ids (empty when acking is off). */
  get ackerTasks(): readonly number[] {
    return this.tasksOf(ACKER_COMPONENT);
  }

  /** Fields and interned key of a system stream, resolved once by executors rather than per message. */
  systemStream(component: string, stream: string): { fields: Fields; key: string } {
    return { fields: this.streamFields(component, stream)!, key: this.streamKey(component, stream) };
  }
}
