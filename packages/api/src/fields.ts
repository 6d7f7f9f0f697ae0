/**
 * An ordered list of field names with O(1) name → index lookup. Shared by every tuple of one stream, so a tuple's
 * field access costs a map lookup, not a scan.
 */
export class Fields {
  readonly names: readonly string[];
  private readonly index: ReadonlyMap<string, number>;

  constructor(names: readonly string[]) {
    this.names = [...names];
    this.index = new Map(this.names.map((n, i) => [n, i]));
  }
  /** Number of fields. */
  get size(): number {
    return this.names.length;
  }
  /** Index of `name`, or -1 when the stream has no such field. */
  fieldIndex(name: string): number {
    return this.index.get(name) ?? -1;
  }
  /** Whether `name` is one of the fields. */
  contains(name: string): boolean {
    return this.index.has(name);
  }
  /** Picks the values of `selector`'s fields out of `values` (which follow this field order). */
  select(selector: Fields | readonly string[], values: readonly unknown[]): unknown[] {
    const names = selector instanceof Fields ? selector.names : selector;
    return names.map((n) => values[this.fieldIndex(n)]);
  }
  toJSON(): string[] {
    return [...this.names];
  }
}
