import type { Config } from '@squall/core';
import {
  CHECKPOINT_SPOUT_ID,
  CHECKPOINT_STREAM_ID,
  Topology,
  type SpoutLike,
  type SpoutOutputCollector,
  type Values,
} from '@squall/api';
import { CompletionTimeoutError } from './errors';
import { LocalCluster, type LocalClusterOptions } from './local-cluster';

/** Options of {@link completeTopology}. */
export interface CompleteTopologyOptions extends LocalClusterOptions {
  /** Replaces spouts by fixed tuples (Storm's MockedSources): spout id → values emitted on its default stream, tracked. */
  mockSources?: Record<string, Values[]>;
  conf?: Config;
  /** Give up after this long. @default 30000 */
  timeoutMs?: number;
  /** Unmocked spouts count as finished after emitting nothing for this long. @default 300 */
  quietMs?: number;
}

/** What every component emitted, by stream, in emit order per task. */
export type CapturedTuples = Record<string, Record<string, Values[]>>;

/** Result of {@link completeTopology}. */
export interface CompleteTopologyResult {
  /** component → stream → every emitted value list. */
  emitted: CapturedTuples;
  stats: ReturnType<import('./local-cluster').LocalTopology['stats']>;
  errors: ReturnType<import('./local-cluster').LocalTopology['errors']>;
}

/** Emits fixed tuples once each, tracked by index; the stand-in for a mocked spout. */
class FixedTupleSpout implements SpoutLike {
  private next = 0;
  private collector!: SpoutOutputCollector;
  constructor(
    private readonly tuples: Values[],
    private readonly taskIndex: () => number,
    private readonly taskCount: () => number,
  ) {}
  open(_c: Config, _ctx: unknown, collector: SpoutOutputCollector): void {
    this.collector = collector;
    // Each task emits its share, so parallel mocked spouts do not duplicate tuples.
    this.next = this.taskIndex();
  }
  nextTuple(): void {
    if (this.next >= this.tuples.length) return;
    const i = this.next;
    this.next += this.taskCount();
    this.collector.emit(this.tuples[i]!, i);
  }
  /** Whether every assigned tuple has been emitted. */
  get exhausted(): boolean {
    return this.next >= this.tuples.length;
  }
}

/**
 * Storm's completeTopology: runs a topology in a fresh local cluster until every spout is done (mocked ones after
 * their fixed tuples, others after `quietMs` without emitting) and every tracked tuple tree has completed, then
 * returns everything each component emitted.
 * @throws CompletionTimeoutError when that does not happen within `timeoutMs`
 */
export async function completeTopology(
  topology: Topology,
  options: CompleteTopologyOptions = {},
): Promise<CompleteTopologyResult> {
  const emitted: CapturedTuples = {};
  let lastEmit = Date.now();
  const mocks = new Map<string, FixedTupleSpout[]>();
  let t = topology;
  if (options.mockSources) {
    const mockSources = options.mockSources;
    t = new Topology(
      topology.spec,
      new Map(
        topology.spec.components.map((c) => [
          c.id,
          () => {
            const values = mockSources[c.id];
            if (!values) return topology.createComponent(c.id);
            const list = mocks.get(c.id) ?? [];
            const index = list.length;
            const spout = new FixedTupleSpout(
              values,
              () => index,
              () => c.numTasks,
            );
            list.push(spout);
            mocks.set(c.id, list);
            return spout;
          },
        ]),
      ),
      new Map(
        topology.spec.components
          .flatMap((c) => c.inputs)
          .filter((i) => i.grouping.type === 'custom')
          .map((i) => {
            const name = (i.grouping as { name: string }).name;
            return [name, () => topology.createCustomGrouping(name)] as const;
          }),
      ),
      topology.buildProblems,
    );
  }
  const cluster = await LocalCluster.create(options);
  const timeoutMs = options.timeoutMs ?? 30000;
  const quietMs = options.quietMs ?? 300;
  const deadline = Date.now() + timeoutMs;
  const running = await cluster.submitTopology(topology.name, options.conf ?? {}, t, {
    emitTap: (component, stream, values) => {
      // Checkpoints go on for as long as the topology runs: they are not work that keeps it from completing.
      if (stream !== CHECKPOINT_STREAM_ID) lastEmit = Date.now();
      ((emitted[component] ??= {})[stream] ??= []).push([...values]);
    },
  });
  try {
    const mockedDone = () => [...mocks.values()].every((list) => list.every((s) => s.exhausted));
    const unmocked = topology.spec.components.some(
      (c) => c.kind === 'spout' && c.id !== CHECKPOINT_SPOUT_ID && !options.mockSources?.[c.id],
    );
    for (;;) {
      const rt = running.runtime;
      const idle = rt.queuedTuples === 0 && rt.pendingTrees === 0;
      if (idle && mockedDone() && (!unmocked || Date.now() - lastEmit >= quietMs)) break;
      if (Date.now() > deadline)
        throw new CompletionTimeoutError(
          timeoutMs,
          `${rt.pendingTrees} tuple trees pending, ${rt.queuedTuples} tuples queued`,
        );
      await new Promise((r) => setTimeout(r, 5));
    }
    return { emitted, stats: running.stats(), errors: running.errors() };
  } finally {
    await cluster.shutdown();
  }
}
