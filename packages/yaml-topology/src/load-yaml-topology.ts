import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import path from 'node:path';
import {
  addCheckpointWiring,
  isReplayableSpout,
  CollectingDeclarer,
  instantiate,
  isStatefulBolt,
  isWindowedBolt,
  prepareWindowedDeclaration,
  Topology,
  type AnyBolt,
  type ComponentSpec,
  type SpoutLike,
  type StreamSpec,
} from '@squall/api';
import { multilangProblemList, ShellBolt, ShellSpout, type ShellComponentOptions } from '@squall/multilang';
import { YamlTopologyError } from './errors';
import { loadComponentModule, pickExport } from './load-component-module';
import { readComponent, readConfig } from './parse-components';
import { readStream } from './parse-streams';
import type { YamlComponent, YamlStream, YamlTopologyModel } from './yaml-model';
import { asMap, YamlFile } from './yaml-view';

type Factory = () => SpoutLike | AnyBolt;

/** The first scalar under `node` whose value is `value` (to point a field-name problem at the field itself). */
function findScalar(node: unknown, value: string): Node | undefined {
  if (isScalar(node)) return node.value === value ? node : undefined;
  if (isMap(node)) {
    for (const pair of node.items) {
      const found = findScalar(pair.value, value);
      if (found) return found;
    }
  } else if (isSeq(node)) {
    for (const item of node.items) {
      const found = findScalar(item, value);
      if (found) return found;
    }
  }
  return undefined;
}

const TOP_KEYS = ['name', 'config', 'spouts', 'bolts', 'streams'];
const TOP_UNSUPPORTED = {
  includes: 'Flux includes are not supported: put everything in one file',
  components: 'Flux components (beans) are not supported',
  topologySource: 'Flux topologySource is not supported: write the topology in TypeScript instead',
  definitionOverride: 'Flux definitionOverride is not supported',
};

function parse(file: YamlFile): YamlTopologyModel | undefined {
  if (file.root === null) {
    if (file.problems.length === 0) file.report(null, 'name', 'the file is empty');
    return undefined;
  }
  const top = asMap(file, file.root, '');
  if (!top) return undefined;
  top.checkKeys(TOP_KEYS, TOP_UNSUPPORTED);
  const name = top.string('name', true) ?? '';
  const config = readConfig(top.map('config'));
  const components: YamlComponent[] = [];
  // Ids of entries that have problems too, so streams naming them are not also reported as unknown.
  const declared = new Map<string, 'spout' | 'bolt'>();
  const spouts = top.list('spouts');
  if (spouts.length === 0) top.report('spouts', 'at least one spout is required');
  for (const [kind, list] of [
    ['spout', spouts],
    ['bolt', top.list('bolts')],
  ] as const) {
    for (const { node, path: p } of list) {
      const id = isMap(node) ? node.get('id') : undefined;
      if (typeof id === 'string' || typeof id === 'number') declared.set(String(id), kind);
      const c = readComponent(file, node, p, kind);
      if (c) components.push(c);
    }
  }
  const seen = new Set<string>();
  for (const c of components) {
    if (seen.has(c.id)) c.view.report('id', `component id '${c.id}' is used more than once`);
    seen.add(c.id);
  }
  const streams: YamlStream[] = [];
  for (const { node, path: p } of top.list('streams')) {
    const s = readStream(file, node, p);
    if (!s) continue;
    if (!declared.has(s.from)) s.view.report('from', `unknown component '${s.from}'`);
    const to = declared.get(s.to);
    if (!to) s.view.report('to', `unknown component '${s.to}'`);
    else if (to === 'spout') s.view.report('to', `'${s.to}' is a spout: only bolts subscribe to streams`);
    streams.push(s);
  }
  return { name, config, components, streams };
}

/** Resolves JavaScript components and reads every component's output streams (JS ones from a scratch instance). */
async function resolveComponents(model: YamlTopologyModel, dir: string): Promise<Map<string, ResolvedComponent>> {
  const out = new Map<string, ResolvedComponent>();
  for (const c of model.components) {
    if (c.shell) {
      const sh = c.shell;
      const options: ShellComponentOptions = {
        command: sh.command,
        outputs: sh.outputs.map((s) => ({ stream: s.id, fields: s.fields, direct: s.direct })),
        serializer: sh.serializer,
        env: sh.env,
        config: c.config,
        cwd: dir,
      };
      out.set(c.id, {
        factory: c.kind === 'spout' ? () => new ShellSpout(options) : () => new ShellBolt(options),
        outputs: sh.outputs,
        conf: c.config,
        stateful: false,
      });
      continue;
    }
    const ref = c.module!;
    const where = c.view.has('module') ? 'module' : 'className';
    let exported: unknown;
    try {
      exported = pickExport(await loadComponentModule(ref.module, dir), ref.exportName);
    } catch (err) {
      c.view.report(where, `cannot load '${ref.module}': ${(err as Error)?.message?.split('\n')[0] ?? String(err)}`);
      continue;
    }
    if (typeof exported !== 'function') {
      c.view.report(
        c.view.has('className') ? 'className' : where,
        `'${ref.module}' has no export '${ref.exportName}' that is a class or factory function`,
      );
      continue;
    }
    const cls = exported as new (...args: unknown[]) => SpoutLike | AnyBolt;
    const factory: Factory = ref.args.length > 0 ? () => new cls(...ref.args) : () => instantiate(cls);
    const declarer = new CollectingDeclarer();
    let conf: Record<string, unknown> = c.config;
    let stateful = false;
    let replayable = false;
    try {
      const scratch = factory();
      stateful = c.kind === 'bolt' && isStatefulBolt(scratch);
      replayable = c.kind === 'spout' && isReplayableSpout(scratch);
      scratch.declareOutputFields?.(declarer);
      conf = { ...(scratch.getComponentConfiguration?.() ?? {}), ...c.config };
      // Windowed bolts: the late tuple stream is declared for them; a missing window length is reported here.
      if (isWindowedBolt(scratch))
        for (const p of prepareWindowedDeclaration(scratch, { ...model.config, ...conf }, declarer))
          c.view.report(where, p);
    } catch (err) {
      c.view.report(where, `could not be created: ${(err as Error)?.message ?? String(err)}`);
      continue;
    }
    for (const p of declarer.problems) c.view.report(where, p);
    out.set(c.id, { factory, outputs: declarer.streams, conf, stateful, replayable });
  }
  return out;
}

/** A component of the YAML file, resolved: how to make it, what it declares, whether it is a stateful bolt. */
interface ResolvedComponent {
  factory: Factory;
  outputs: StreamSpec[];
  conf: Record<string, unknown>;
  stateful: boolean;
  /** A spout implementing ReplayableSpout. */
  replayable?: boolean;
}

/** Problems of subscriptions once every component's outputs are known: undeclared streams and grouping fields. */
function checkStreams(model: YamlTopologyModel, resolved: Map<string, { outputs: StreamSpec[] }>): void {
  for (const s of model.streams) {
    const outputs = resolved.get(s.from)?.outputs;
    if (!outputs) continue;
    const stream = outputs.find((o) => o.id === s.stream);
    const g = s.view.map('grouping')!;
    if (!stream) {
      g.report(
        'streamId',
        `component '${s.from}' declares no stream '${s.stream}' (declared: ${outputs.map((o) => o.id).join(', ') || 'none'})`,
      );
      continue;
    }
    if (s.grouping.type === 'fields' || s.grouping.type === 'partialKey')
      for (const f of s.grouping.fields)
        if (!stream.fields.includes(f))
          g.report(
            g.has('fields') ? 'fields' : 'args',
            `field '${f}' is not declared by '${s.from}' stream '${s.stream}' (declared: ${stream.fields.join(', ') || 'none'})`,
          );
  }
}

/**
 * Loads a topology written in YAML, shaped like Storm's Flux: `name`, `config`, `spouts` and `bolts` (each with
 * `id`, `parallelism`, and either `command: [argv...]` with `outputs` for a multi-lang child, Flux's
 * `className: org.apache.storm.flux.wrappers.bolts.FluxShellBolt` with `constructorArgs: [[argv...], [fields...]]`,
 * or `module`/`className` naming a JavaScript or TypeScript component), and `streams` (`from`, `to`,
 * `grouping: {type, args|fields, streamId}`). Shell components run in the YAML file's directory, which locally is
 * the resources directory and in a package is copied whole into `resources/`.
 *
 * Field names that a Python child cannot use are not load errors: they are returned as the topology's build
 * problems (with their file and line), which the normal topology validation reports at submit.
 * @throws YamlTopologyError listing every problem found, each as `file:line: field: message`
 */
export async function loadYamlTopology(file: string): Promise<Topology> {
  const abs = path.resolve(file);
  const shownName = path.relative(process.cwd(), abs) || abs;
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    throw new YamlTopologyError(shownName, [
      `${shownName}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(err)}`,
    ]);
  }
  return loadYamlTopologyText(text, { shown: shownName, dir: path.dirname(abs) });
}

/** Where a YAML topology text comes from, for {@link loadYamlTopologyText}. */
export interface YamlTopologySource {
  /** The file as shown in messages. */
  shown: string;
  /** Directory shell components run in and JavaScript modules resolve from. */
  dir: string;
  /** For generated text: maps a line of it to the source location (`file:line`) messages should name instead. */
  locate?: (line: number) => string | undefined;
}

/**
 * {@link loadYamlTopology} for a text already in memory (a generated topology, such as a streamparse project's).
 * @throws YamlTopologyError listing every problem found
 */
export async function loadYamlTopologyText(text: string, source: YamlTopologySource): Promise<Topology> {
  const { shown: shownName, dir } = source;
  const yf = new YamlFile(shownName, text, source.locate);
  const model = parse(yf);
  const resolved = model && yf.problems.length === 0 ? await resolveComponents(model, dir) : new Map();
  if (model && yf.problems.length === 0) checkStreams(model, resolved);
  if (!model || yf.problems.length > 0) throw new YamlTopologyError(shownName, yf.problems);

  const components: ComponentSpec[] = model.components.map((c) => {
    const r = resolved.get(c.id)!;
    const spec: ComponentSpec = {
      id: c.id,
      kind: c.kind,
      parallelism: c.parallelism,
      numTasks: c.numTasks ?? c.parallelism,
      inputs: model.streams
        .filter((s) => s.to === c.id)
        .map((s) => ({ component: s.from, stream: s.stream, grouping: s.grouping })),
      outputs: r.outputs,
      conf: r.conf,
    };
    if (r.replayable) spec.replayable = true;
    if (c.shell) {
      spec.shell = {
        command: [...c.shell.command],
        ...(Object.keys(c.shell.env).length > 0 ? { env: c.shell.env } : {}),
        ...(c.shell.serializer !== 'json' ? { serializer: c.shell.serializer } : {}),
      };
      spec.implementation = c.shell.command.join(' ');
    } else spec.implementation = `${c.module!.module}#${c.module!.exportName}`;
    return spec;
  });
  const spec = { name: model.name, components, conf: model.config };
  const problems = multilangProblemList(spec).map((p) => {
    const c = model.components.find((x) => x.id === p.component)!;
    const s =
      p.source === undefined ? undefined : model.streams.find((x) => x.to === p.component && x.from === p.source);
    const node = s ? s.view.node : (findScalar(c.view.node, p.field) ?? c.view.node);
    return `${p.message} (${yf.where(node)})`;
  });
  // As the builder does (and Storm's): a topology with a stateful bolt gets the checkpoint spout and streams.
  if (model.components.some((c) => resolved.get(c.id)!.stateful)) problems.push(...addCheckpointWiring(components));
  const factories = new Map<string, Factory>(model.components.map((c) => [c.id, resolved.get(c.id)!.factory]));
  return new Topology(spec, factories, new Map(), problems);
}
