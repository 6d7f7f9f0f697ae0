import { DEFAULT_STREAM, type GroupingSpec } from '@squall/api';
import type { Node } from 'yaml';
import type { YamlStream } from './yaml-model';
import { asMap, type YamlFile } from './yaml-view';

/** Flux grouping types and the Squall grouping each becomes (fields-taking ones marked). */
const GROUPINGS: Record<string, GroupingSpec['type']> = {
  SHUFFLE: 'shuffle',
  FIELDS: 'fields',
  ALL: 'all',
  GLOBAL: 'global',
  NONE: 'none',
  DIRECT: 'direct',
  LOCAL_OR_SHUFFLE: 'localOrShuffle',
  PARTIAL_KEY: 'partialKey',
};

/** Reads one `streams:` entry: `{name?, from, to, grouping: {type, args|fields, streamId}}`. */
export function readStream(file: YamlFile, node: Node, path: string): YamlStream | undefined {
  const view = asMap(file, node, path);
  if (!view) return undefined;
  view.checkKeys(['name', 'from', 'to', 'grouping']);
  const from = view.string('from', true);
  const to = view.string('to', true);
  const g = view.map('grouping');
  if (!g) {
    if (!view.has('grouping')) view.report('grouping', 'is required, e.g. {type: SHUFFLE}');
    return undefined;
  }
  g.checkKeys(['type', 'args', 'fields', 'streamId'], {
    customClass: 'custom groupings are not supported in YAML topologies (write the topology in TypeScript)',
  });
  const typeName = g.string('type', true);
  const stream = g.string('streamId') ?? DEFAULT_STREAM;
  if (typeName === undefined) return undefined;
  const type = GROUPINGS[typeName.toUpperCase()];
  if (!type) {
    g.report('type', `unknown grouping '${typeName}' (expected one of: ${Object.keys(GROUPINGS).join(', ')})`);
    return undefined;
  }
  let grouping: GroupingSpec;
  if (type === 'fields' || type === 'partialKey') {
    if (g.has('args') && g.has('fields')) g.report('fields', 'give either args or fields, not both');
    const key = g.has('fields') ? 'fields' : 'args';
    const fields = g.stringList(key);
    if (!fields || fields.length === 0) {
      if (fields || !g.has(key)) g.report(key, `${typeName} grouping needs a list of at least one field name`);
      return undefined;
    }
    grouping = { type, fields };
  } else {
    for (const k of ['args', 'fields']) if (g.has(k)) g.report(k, `${typeName} grouping takes no fields`);
    grouping = { type } as GroupingSpec;
  }
  return from && to ? { from, to, stream, grouping, view } : undefined;
}
