import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';

/** A YAML file being read: its nodes, their line numbers, and every problem found so far. */
export class YamlFile {
  readonly problems: string[] = [];
  readonly root: Node | null;
  private readonly lines = new LineCounter();

  constructor(
    /** The file as shown in messages. */
    readonly shown: string,
    text: string,
    /** For generated files: the source location (`file:line`) a line of this text stands for. */
    private readonly locate?: (line: number) => string | undefined,
  ) {
    const doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
    for (const e of doc.errors) {
      const line = e.linePos?.[0]?.line ?? this.lines.linePos(e.pos[0]).line;
      this.problems.push(`${shown}:${line}: ${e.message.split('\n')[0]}`);
    }
    this.root = doc.errors.length > 0 ? null : (doc.contents as Node | null);
  }

  /** 1-based line of a node (1 for a node without a position). */
  line(node: Node | null | undefined): number {
    const offset = node?.range?.[0];
    return offset === undefined ? 1 : this.lines.linePos(offset).line;
  }

  /** Records a problem as `file:line: field: message`. */
  report(node: Node | null | undefined, field: string, message: string): void {
    this.problems.push(`${this.where(node)}: ${field}: ${message}`);
  }

  /** `file:line` of a node, for messages produced later (topology validation). */
  where(node: Node | null | undefined): string {
    const line = this.line(node);
    return this.locate?.(line) ?? `${this.shown}:${line}`;
  }
}

/** Describes a value for "got ..." in messages. */
export function shown(node: Node | null | undefined): string {
  if (node === null || node === undefined) return 'nothing';
  if (isScalar(node)) return JSON.stringify(node.value);
  if (isSeq(node)) return 'a list';
  if (isMap(node)) return 'a map';
  return 'an alias';
}

/** A YAML map read with field paths for messages; every getter reports what is wrong instead of throwing. */
export class MapView {
  constructor(
    readonly file: YamlFile,
    readonly node: YAMLMap,
    /** Path of this map in messages, e.g. `bolts[1]`. */
    readonly path: string,
  ) {}

  private field(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  /** Keys in file order. */
  keys(): string[] {
    return this.node.items.map((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)));
  }

  has(key: string): boolean {
    return this.node.has(key);
  }

  /** The value node of `key` (null for an empty value, undefined when absent). */
  value(key: string): Node | null | undefined {
    const pair = this.node.items.find((p) => isScalar(p.key) && p.key.value === key);
    if (!pair) return undefined;
    return (pair.value as Node | null) ?? null;
  }

  /** The node to point at for `key`: its value, else its key, else this map. */
  at(key: string): Node {
    const pair = this.node.items.find((p) => isScalar(p.key) && p.key.value === key);
    return ((pair?.value as Node | null) ?? (pair?.key as Node | undefined) ?? this.node) as Node;
  }

  report(key: string, message: string): void {
    this.file.report(this.has(key) ? this.at(key) : this.node, this.field(key), message);
  }

  /** Reports keys outside `allowed`; `unsupported` maps known-but-unsupported keys to an explanation. */
  checkKeys(allowed: readonly string[], unsupported: Readonly<Record<string, string>> = {}): void {
    for (const k of this.keys()) {
      if (allowed.includes(k)) continue;
      this.report(k, unsupported[k] ?? `unknown field (expected one of: ${allowed.join(', ')})`);
    }
  }

  /** A plain JavaScript copy of the value of `key`. */
  raw(key: string): unknown {
    const v = this.value(key);
    return v === null || v === undefined ? v : (v as { toJSON(): unknown }).toJSON();
  }

  string(key: string, required = false): string | undefined {
    const v = this.value(key);
    if (v === undefined || v === null) {
      if (required) this.report(key, v === undefined ? 'is required' : 'must not be empty');
      return undefined;
    }
    if (isScalar(v) && (typeof v.value === 'string' || typeof v.value === 'number') && String(v.value) !== '')
      return String(v.value);
    this.report(key, `must be a non-empty string, got ${shown(v)}`);
    return undefined;
  }

  int(key: string, min: number): number | undefined {
    const v = this.value(key);
    if (v === undefined) return undefined;
    if (isScalar(v) && typeof v.value === 'number' && Number.isInteger(v.value) && v.value >= min) return v.value;
    this.report(key, `must be an integer of at least ${min}, got ${shown(v)}`);
    return undefined;
  }

  /** A list of non-empty strings (numbers are accepted as strings: YAML reads `[1, 2]` as numbers). */
  stringList(key: string, required = false): string[] | undefined {
    const v = this.value(key);
    if (v === undefined || v === null) {
      if (required) this.report(key, 'is required (a list of strings)');
      return undefined;
    }
    return stringListOf(this.file, v, this.field(key));
  }

  map(key: string): MapView | undefined {
    const v = this.value(key);
    if (v === undefined || v === null) return undefined;
    if (isMap(v)) return new MapView(this.file, v, this.field(key));
    this.report(key, `must be a map, got ${shown(v)}`);
    return undefined;
  }

  /** Items of a list value, each with its path (`spouts[0]`). */
  list(key: string): Array<{ node: Node; path: string }> {
    const v = this.value(key);
    if (v === undefined || v === null) return [];
    if (!isSeq(v)) {
      this.report(key, `must be a list, got ${shown(v)}`);
      return [];
    }
    return v.items.map((n, i) => ({ node: n as Node, path: `${this.field(key)}[${i}]` }));
  }
}

/** Reads a node as a list of non-empty strings, reporting otherwise. */
export function stringListOf(file: YamlFile, node: Node, field: string): string[] | undefined {
  if (!isSeq(node)) {
    file.report(node, field, `must be a list of strings, got ${shown(node)}`);
    return undefined;
  }
  const out: string[] = [];
  node.items.forEach((item, i) => {
    const n = item as Node;
    if (isScalar(n) && (typeof n.value === 'string' || typeof n.value === 'number') && String(n.value) !== '')
      out.push(String(n.value));
    else file.report(n, `${field}[${i}]`, `must be a non-empty string, got ${shown(n)}`);
  });
  return out.length === node.items.length ? out : undefined;
}

/** A map view of `node`, or a report that it is not a map. */
export function asMap(file: YamlFile, node: Node | null, path: string): MapView | undefined {
  if (node && isMap(node)) return new MapView(file, node, path);
  file.report(node, path, `must be a map, got ${shown(node)}`);
  return undefined;
}
