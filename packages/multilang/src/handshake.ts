import type { GroupingSpec, TopologyContext } from '@squall/api';

/** A grouping as the handshake describes it (Storm's `groupingToJSONableMap`). */
export interface HandshakeGrouping {
  type: string;
  fields?: string[];
}

/** The `context` object of the handshake, with Storm's key names. */
export interface HandshakeContext {
  taskid: number;
  componentid: string;
  'task->component': Record<string, string>;
  streams: string[];
  'stream->outputfields': Record<string, string[]>;
  'stream->target->grouping': Record<string, Record<string, HandshakeGrouping>>;
  'source->stream->grouping': Record<string, Record<string, HandshakeGrouping>>;
  'source->stream->fields': Record<string, Record<string, string[]>>;
}

/**
 * Storm's thrift grouping name for a Squall grouping. Global grouping is sent as FIELDS with no fields (that is how
 * Storm stores it); partial-key and custom groupings are Java-serialized custom groupings in Storm.
 */
export function handshakeGrouping(g: GroupingSpec): HandshakeGrouping {
  switch (g.type) {
    case 'fields':
      return { type: 'FIELDS', fields: [...g.fields] };
    case 'global':
      return { type: 'FIELDS', fields: [] };
    case 'shuffle':
      return { type: 'SHUFFLE' };
    case 'all':
      return { type: 'ALL' };
    case 'none':
      return { type: 'NONE' };
    case 'direct':
      return { type: 'DIRECT' };
    case 'localOrShuffle':
      return { type: 'LOCAL_OR_SHUFFLE' };
    case 'partialKey':
    case 'custom':
      return { type: 'CUSTOM_SERIALIZED' };
  }
}

/**
 * The handshake context of one task: every task (acker tasks included) to its component, this component's declared
 * output streams and their exact field lists, who subscribes to each stream (only streams with subscribers, as in
 * Storm), and this component's subscriptions with each source stream's exact fields.
 */
export function buildHandshakeContext(context: TopologyContext): HandshakeContext {
  const me = context.thisComponentId;
  const taskToComponent: Record<string, string> = {};
  for (const [task, component] of [...context.taskToComponent].sort((a, b) => a[0] - b[0]))
    taskToComponent[String(task)] = component;
  const streams = [...context.getThisStreams()];
  const outputFields: Record<string, string[]> = {};
  for (const s of streams) outputFields[s] = [...(context.getComponentOutputFields(me, s)?.names ?? [])];
  const targets: HandshakeContext['stream->target->grouping'] = {};
  for (const [stream, byTarget] of context.getThisTargets()) {
    if (byTarget.size === 0) continue;
    const m: Record<string, HandshakeGrouping> = {};
    for (const [target, g] of byTarget) m[target] = handshakeGrouping(g);
    targets[stream] = m;
  }
  const sourceGroupings: HandshakeContext['source->stream->grouping'] = {};
  const sourceFields: HandshakeContext['source->stream->fields'] = {};
  for (const [source, byStream] of context.getThisSources()) {
    const g: Record<string, HandshakeGrouping> = {};
    const f: Record<string, string[]> = {};
    for (const [stream, grouping] of byStream) {
      g[stream] = handshakeGrouping(grouping);
      f[stream] = [...(context.getComponentOutputFields(source, stream)?.names ?? [])];
    }
    sourceGroupings[source] = g;
    sourceFields[source] = f;
  }
  return {
    taskid: context.thisTaskId,
    componentid: me,
    'task->component': taskToComponent,
    streams,
    'stream->outputfields': outputFields,
    'stream->target->grouping': targets,
    'source->stream->grouping': sourceGroupings,
    'source->stream->fields': sourceFields,
  };
}
