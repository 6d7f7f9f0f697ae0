import { EmitError, type CustomStreamGrouping, type Fields, type TopologyContext } from '@squall/api';
import { createChooser, type TaskChooser } from './groupings';
import type { OutputCounters } from '@squall/stats';
import type { TopologyModel } from './topology-model';

/** One output stream of one task: its fields, its subscribers' choosers and its counters. */
export class StreamRoute {
  constructor(
    readonly stream: string,
    readonly fields: Fields,
    readonly direct: boolean,
    /** Interned `component:stream`. */
    readonly key: string,
    readonly counters: OutputCounters,
    /** Non-direct subscribers. */
    readonly choosers: readonly TaskChooser[],
    /** Tasks subscribed with direct grouping (valid targets of emitDirect). */
    readonly directTargets: ReadonlySet<number>,
  ) {}
}

/** Builds every output route of one task. */
export function buildRoutes(args: {
  model: TopologyModel;
  component: string;
  context: TopologyContext;
  counters: (stream: string) => OutputCounters;
  isLocal: (task: number) => boolean;
  makeCustom: (name: string) => CustomStreamGrouping;
}): Map<string, StreamRoute> {
  const { model, component } = args;
  const routes = new Map<string, StreamRoute>();
  for (const s of model.components.get(component)?.outputs ?? []) {
    const fields = model.streamFields(component, s.id)!;
    const choosers: TaskChooser[] = [];
    const directTargets = new Set<number>();
    for (const sub of model.subscribersOf(component, s.id)) {
      const targetTasks = model.tasksOf(sub.component);
      const chooser = createChooser({
        grouping: sub.grouping,
        targetTasks,
        streamFields: fields,
        isLocal: args.isLocal,
        context: args.context,
        source: { component, stream: s.id },
        makeCustom: args.makeCustom,
      });
      if (chooser) choosers.push(chooser);
      else for (const t of targetTasks) directTargets.add(t);
    }
    routes.set(
      s.id,
      new StreamRoute(
        s.id,
        fields,
        s.direct,
        model.streamKey(component, s.id),
        args.counters(s.id),
        choosers,
        directTargets,
      ),
    );
  }
  return routes;
}

/** The route of `stream`, or a clear error naming the component and its declared streams. */
export function routeOf(routes: ReadonlyMap<string, StreamRoute>, component: string, stream: string): StreamRoute {
  const r = routes.get(stream);
  if (!r) {
    const declared = [...routes.keys()].join(', ') || 'none';
    throw new EmitError(`component '${component}' emitted on undeclared stream '${stream}' (declared: ${declared})`);
  }
  return r;
}
