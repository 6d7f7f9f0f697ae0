import { configProblems, type Config } from '@squall/core';
import { DEFAULT_STREAM, type StreamSpec } from '@squall/api';
import { isScalar, isSeq, type Node } from 'yaml';
import type { YamlComponent, YamlShellComponent } from './yaml-model';
import { asMap, shown, stringListOf, type MapView, type YamlFile } from './yaml-view';

/** Flux's wrappers for shell components: `constructorArgs: [[command...], [fields...]]`. */
const FLUX_SHELL = new Set([
  'org.apache.storm.flux.wrappers.spouts.FluxShellSpout',
  'org.apache.storm.flux.wrappers.bolts.FluxShellBolt',
]);
const COMPONENT_KEYS = [
  'id',
  'parallelism',
  'numTasks',
  'config',
  'command',
  'outputs',
  'fields',
  'serializer',
  'env',
  'className',
  'module',
  'constructorArgs',
  'configMethods',
];
const UNSUPPORTED = { properties: 'Flux bean properties are not supported (use constructorArgs or config)' };

/** Reads a `config:` map, reporting bad values of known keys at their own lines. */
export function readConfig(view: MapView | undefined): Config {
  if (!view) return {};
  const conf = (view.node.toJSON() ?? {}) as Config;
  for (const p of configProblems(conf)) {
    const key = Object.keys(conf).find((k) => p.startsWith(`${k} `));
    if (key) view.report(key, p.slice(key.length).trim());
    else view.file.report(view.node, view.path, p);
  }
  return conf;
}

/** Reads `outputs:` — field names (default stream) or a list of `{stream, fields, direct}`. */
export function readOutputs(file: YamlFile, node: Node | null, field: string): StreamSpec[] {
  if (node === null) return [];
  if (!isSeq(node)) {
    file.report(node, field, `must be a list of field names or of {stream, fields, direct}, got ${shown(node)}`);
    return [];
  }
  if (node.items.every((n) => isScalar(n))) {
    const fields = stringListOf(file, node, field);
    return fields && fields.length > 0 ? [{ id: DEFAULT_STREAM, fields, direct: false }] : [];
  }
  const out: StreamSpec[] = [];
  node.items.forEach((n, i) => {
    const s = asMap(file, n as Node, `${field}[${i}]`);
    if (!s) return;
    s.checkKeys(['stream', 'fields', 'direct']);
    const direct = s.raw('direct');
    if (direct !== undefined && typeof direct !== 'boolean')
      s.report('direct', `must be true or false, got ${shown(s.value('direct'))}`);
    const fields = s.stringList('fields', true);
    if (fields) out.push({ id: s.string('stream') ?? DEFAULT_STREAM, fields, direct: direct === true });
  });
  return out;
}

function readEnv(view: MapView | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  if (!view) return env;
  for (const k of view.keys()) {
    const v = view.value(k);
    if (isScalar(v) && v.value !== null && typeof v.value !== 'object') env[k] = String(v.value);
    else view.report(k, `environment values must be strings, got ${shown(v)}`);
  }
  return env;
}

/** Flux's configMethods on shell wrappers: setDefaultStream, setNamedStream, addComponentConfig. */
function applyConfigMethods(view: MapView, shell: YamlShellComponent, config: Config): void {
  for (const { node, path } of view.list('configMethods')) {
    const m = asMap(view.file, node, path);
    if (!m) continue;
    m.checkKeys(['name', 'args']);
    const name = m.string('name', true);
    const args = m.value('args');
    const items = isSeq(args) ? (args.items as Node[]) : [];
    if (name === 'setDefaultStream' && items.length === 1) {
      const fields = stringListOf(view.file, items[0]!, `${path}.args[0]`);
      if (fields)
        shell.outputs = [
          ...shell.outputs.filter((s) => s.id !== DEFAULT_STREAM),
          { id: DEFAULT_STREAM, fields, direct: false },
        ];
    } else if (name === 'setNamedStream' && items.length === 2 && isScalar(items[0])) {
      const fields = stringListOf(view.file, items[1]!, `${path}.args[1]`);
      const id = String(items[0].value);
      if (fields) shell.outputs = [...shell.outputs.filter((s) => s.id !== id), { id, fields, direct: false }];
    } else if (name === 'addComponentConfig' && items.length === 2 && isScalar(items[0])) {
      config[String(items[0].value)] = (items[1] as { toJSON(): unknown }).toJSON();
    } else if (name !== undefined)
      m.report(
        'name',
        `unsupported config method '${name}' with ${items.length} argument(s) (supported: setDefaultStream([fields]), setNamedStream(name, [fields]), addComponentConfig(key, value))`,
      );
  }
}

function readShell(view: MapView, className: string | undefined): YamlShellComponent | undefined {
  let command: string[] | undefined;
  let outputs: StreamSpec[] = [];
  if (className !== undefined) {
    if (view.has('command')) view.report('command', `give either command or className '${className}', not both`);
    const args = view.value('constructorArgs');
    if (!isSeq(args) || args.items.length < 1 || args.items.length > 2) {
      view.report('constructorArgs', `${className} takes [[command...]] or [[command...], [fields...]]`);
      return undefined;
    }
    command = stringListOf(view.file, args.items[0] as Node, `${view.path}.constructorArgs[0]`);
    if (args.items.length === 2)
      outputs = readOutputs(view.file, args.items[1] as Node, `${view.path}.constructorArgs[1]`);
  } else command = view.stringList('command', true);
  if (view.has('outputs') && view.has('fields')) view.report('fields', 'give either outputs or fields, not both');
  const key = view.has('outputs') ? 'outputs' : view.has('fields') ? 'fields' : undefined;
  if (key) outputs = readOutputs(view.file, view.value(key) ?? null, `${view.path}.${key}`);
  const serializer = view.string('serializer') ?? 'json';
  if (serializer !== 'json' && serializer !== 'msgpack')
    view.report('serializer', `must be json or msgpack, got ${JSON.stringify(serializer)}`);
  if (!command || command.length === 0) {
    if (command) view.report(className ? 'constructorArgs' : 'command', 'the command must not be empty');
    return undefined;
  }
  return { command, outputs, serializer: serializer === 'msgpack' ? 'msgpack' : 'json', env: readEnv(view.map('env')) };
}

/** Splits a `className` that names a module: `./spouts/words.js#WordSpout`, `./bolt.ts` (default export). */
function moduleReference(className: string): { module: string; exportName: string } | undefined {
  const hash = className.indexOf('#');
  if (hash >= 0) return { module: className.slice(0, hash), exportName: className.slice(hash + 1) || 'default' };
  if (/^\.{0,2}\/|\.(c|m)?[jt]s$/.test(className)) return { module: className, exportName: 'default' };
  return undefined;
}

/** Reads one `spouts:` or `bolts:` entry; problems are recorded in the file. */
export function readComponent(
  file: YamlFile,
  node: Node,
  path: string,
  kind: 'spout' | 'bolt',
): YamlComponent | undefined {
  const view = asMap(file, node, path);
  if (!view) return undefined;
  view.checkKeys(COMPONENT_KEYS, UNSUPPORTED);
  const id = view.string('id', true);
  const parallelism = view.int('parallelism', 1) ?? 1;
  const numTasks = view.int('numTasks', 1);
  const config = readConfig(view.map('config'));
  const className = view.string('className');
  const base = { id: id ?? '', kind, parallelism, numTasks, config, view };
  if (view.has('command') || (className !== undefined && FLUX_SHELL.has(className))) {
    const shell = readShell(view, className !== undefined && FLUX_SHELL.has(className) ? className : undefined);
    if (shell && view.has('configMethods')) applyConfigMethods(view, shell, config);
    return id && shell ? { ...base, shell } : undefined;
  }
  for (const k of ['outputs', 'fields', 'serializer', 'env', 'configMethods'])
    if (view.has(k)) view.report(k, 'only applies to shell components (command or a Flux shell className)');
  const explicit = view.string('module');
  const ref =
    explicit !== undefined
      ? { module: explicit, exportName: className ?? 'default' }
      : className !== undefined
        ? moduleReference(className)
        : undefined;
  if (!ref) {
    if (className !== undefined)
      view.report(
        'className',
        `'${className}' is not runnable here: Java classes cannot run on Squall; use command: [...] for a multi-lang component, or module: ./file.js with className: ExportName`,
      );
    else
      view.report(
        'id',
        `component '${id ?? '?'}' needs command: [...] (a multi-lang child) or module/className (a JavaScript or TypeScript component)`,
      );
    return undefined;
  }
  const args = view.value('constructorArgs');
  if (args !== undefined && !isSeq(args)) view.report('constructorArgs', `must be a list, got ${shown(args)}`);
  const module = { ...ref, args: isSeq(args) ? ((args.toJSON() as unknown[]) ?? []) : [] };
  return id ? { ...base, module } : undefined;
}
