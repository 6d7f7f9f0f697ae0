import { EmitError, type Anchors, type Tuple, type Values } from '@squall/api';
import { encodedValuesBytes, tupleHeaderBytes } from '@squall/codec';
import { randomHalf, xorInto } from './acking';
import type { ExecutorHost } from './executor-host';
import type { TapHub } from './tap-hub';
import { routeOf, type StreamRoute } from './stream-route';
import { TupleImpl } from './tuple-impl';

const NO_TASKS: readonly number[] = Object.freeze([]);
// Bound once: a call through a package's compiled `export *` goes through a getter on every use, which shows in
// profiles here, where it runs on every emit.
const valuesBytes = encodedValuesBytes;
const headerBytes = tupleHeaderBytes;

/**
 * The emit path of one task, shared by spout and bolt collectors: picks tasks per subscriber, builds tuples (one
 * shared object for untracked local delivery, one per task for tracked ones, each with its own edge id) and delivers.
 */
export class TaskEmitter {
  private readonly defaultRoute: StreamRoute | undefined;
  /** The worker's tap hook: one branch per emit while nothing taps. */
  private readonly taps: TapHub;
  /** `topology.max.tuple.bytes`, enforced on every emit so local and remote deliveries fail alike. */
  private readonly maxTupleBytes: number;
  /** Emit calls so far; spouts compare it around nextTuple to see whether anything was emitted. */
  emits = 0;

  constructor(
    readonly host: ExecutorHost,
    readonly component: string,
    readonly task: number,
    readonly routes: ReadonlyMap<string, StreamRoute>,
  ) {
    this.defaultRoute = routes.get('default');
    this.taps = host.taps;
    this.maxTupleBytes = host.settings.maxTupleBytes;
  }

  route(stream: string | undefined): StreamRoute {
    if (stream === undefined && this.defaultRoute) return this.defaultRoute;
    return routeOf(this.routes, this.component, stream ?? 'default');
  }

  private check(route: StreamRoute, values: Values, directTask: number): void {
    if (!Array.isArray(values))
      throw new EmitError(
        `component '${this.component}' emitted ${typeof values} on stream '${route.stream}': values must be an array`,
      );
    if (values.length !== route.fields.size)
      throw new EmitError(
        `component '${this.component}' emitted ${values.length} value(s) on stream '${route.stream}', which declares ${route.fields.size} field(s) (${route.fields.names.join(', ')})`,
      );
    if (directTask >= 0 && !route.direct)
      throw new EmitError(
        `component '${this.component}' used emitDirect on stream '${route.stream}', which is not declared direct`,
      );
    if (directTask < 0 && route.direct)
      throw new EmitError(`component '${this.component}' used emit on direct stream '${route.stream}': use emitDirect`);
    if (directTask >= 0 && !route.directTargets.has(directTask))
      throw new EmitError(
        `component '${this.component}' emitted directly to task ${directTask}, which does not subscribe to stream '${route.stream}' with direct grouping`,
      );
    // A cheap upper bound first; the exact size only for tuples near the limit.
    if (valuesBytes(values) + headerBytes(route.stream) > this.maxTupleBytes) {
      const size = valuesBytes(values, true) + headerBytes(route.stream);
      if (size > this.maxTupleBytes)
        throw new EmitError(
          `component '${this.component}' emitted a tuple of about ${size} bytes on stream '${route.stream}', over topology.max.tuple.bytes = ${this.maxTupleBytes}: emit smaller values or raise the limit for this topology`,
        );
    }
  }

  /** The receiving tasks of one emit (a shared array: do not mutate), counting them as transferred. */
  private choose(route: StreamRoute, values: Values, directTask: number): readonly number[] {
    if (directTask >= 0) {
      route.counters.transferred++;
      return [directTask];
    }
    const choosers = route.choosers;
    if (choosers.length === 1) {
      const tasks = choosers[0]!.chooseTasks(this.task, values);
      route.counters.transferred += tasks.length;
      return tasks;
    }
    if (choosers.length === 0) return NO_TASKS;
    const all: number[] = [];
    for (const c of choosers) for (const t of c.chooseTasks(this.task, values)) all.push(t);
    route.counters.transferred += all.length;
    return all;
  }

  private announce(route: StreamRoute, values: Values, messageId?: unknown): void {
    this.emits++;
    route.counters.emitted++;
    if (this.taps.armed) this.taps.offer(this.component, this.task, route.stream, route.fields, values, messageId);
  }

  /**
   * Delivers an untracked tuple: each local task gets its own TupleImpl (sharing the values; a tuple carries its
   * receiver's state, settled and execStart, so one object shared by two bolts lost the second one's ack), remote
   * ones get the values straight into the transport's batch (no tuple object: on a spout feeding another worker
   * that is most of what an emit allocates).
   */
  private deliverUntracked(route: StreamRoute, values: Values, tasks: readonly number[]): void {
    const host = this.host;
    for (let i = 0; i < tasks.length; i++) {
      const task = tasks[i]!;
      if (host.isLocal(task))
        host.deliver(
          task,
          new TupleImpl(values, route.fields, this.component, this.task, route.stream, route.key, null),
        );
      else host.sendRemote(task, this.task, route.stream, values);
    }
  }

  /** Emits an untracked tuple, or a bolt tuple anchored to `anchors`. */
  emitBolt(
    route: StreamRoute,
    anchors: readonly TupleImpl[] | null,
    values: Values,
    directTask = -1,
  ): readonly number[] {
    this.check(route, values, directTask);
    this.announce(route, values);
    const tasks = this.choose(route, values, directTask);
    const n = tasks.length;
    if (n === 0) return tasks;
    const host = this.host;
    let tracked = false;
    if (anchors !== null) for (let i = 0; i < anchors.length; i++) if (anchors[i]!.anchors !== null) tracked = true;
    if (!tracked) {
      this.deliverUntracked(route, values, tasks);
      return tasks;
    }
    for (let k = 0; k < n; k++) {
      const ids: number[] = [];
      for (const a of anchors!) {
        const roots = a.anchors;
        if (roots === null) continue;
        const hi = randomHalf();
        const lo = randomHalf();
        a.ackHi ^= hi;
        a.ackLo ^= lo;
        for (let i = 0; i < roots.length; i += 4) xorInto(ids, roots[i]!, roots[i + 1]!, hi, lo);
      }
      host.deliver(
        tasks[k]!,
        new TupleImpl(values, route.fields, this.component, this.task, route.stream, route.key, ids),
      );
    }
    return tasks;
  }

  /**
   * Emits a spout tuple; when `seq >= 0` the tuple starts tree `(task, seq)` and each receiving task gets its own
   * edge id. The XOR of those edge ids is left in `xor` (hi, lo), for the acker's init message. `messageId` is only
   * shown to taps.
   */
  emitSpout(
    route: StreamRoute,
    values: Values,
    seq: number,
    directTask: number,
    xor: { hi: number; lo: number },
    messageId?: unknown,
  ): readonly number[] {
    this.check(route, values, directTask);
    this.announce(route, values, messageId);
    const tasks = this.choose(route, values, directTask);
    const n = tasks.length;
    const host = this.host;
    if (seq < 0) {
      this.deliverUntracked(route, values, tasks);
      return tasks;
    }
    let xh = 0;
    let xl = 0;
    for (let i = 0; i < n; i++) {
      const hi = randomHalf();
      const lo = randomHalf();
      xh ^= hi;
      xl ^= lo;
      host.deliver(
        tasks[i]!,
        new TupleImpl(values, route.fields, this.component, this.task, route.stream, route.key, [
          this.task,
          seq,
          hi,
          lo,
        ]),
      );
    }
    xor.hi = xh;
    xor.lo = xl;
    return tasks;
  }
}

/** Normalizes the anchors argument of a bolt emit. */
export function toAnchorList(anchors: Anchors): readonly TupleImpl[] {
  return (Array.isArray(anchors) ? anchors : [anchors as Tuple]) as readonly TupleImpl[];
}
