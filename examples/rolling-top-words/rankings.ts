/** One ranked object and its count (Storm's `RankableObjectWithFields`, reduced to what crosses workers). */
export interface Rankable {
  obj: string;
  count: number;
}

/**
 * The top `maxSize` objects by count (Storm's `Rankings`): updating an object replaces its count; ties keep the
 * object first ranked. Plain data in and out (`toArray`), so rankings travel between workers as ordinary values.
 */
export class Rankings {
  private items: Rankable[] = [];

  constructor(readonly maxSize: number) {
    if (!Number.isInteger(maxSize) || maxSize < 1)
      throw new Error(`rankings size must be an integer of at least 1, got ${maxSize}`);
  }

  /** Puts `r` in (replacing the same object's previous count), re-sorts and drops what falls below the top. */
  updateWith(r: Rankable): void {
    const i = this.items.findIndex((x) => x.obj === r.obj);
    if (i >= 0) this.items[i] = { obj: r.obj, count: r.count };
    else this.items.push({ obj: r.obj, count: r.count });
    this.items.sort((a, b) => b.count - a.count);
    if (this.items.length > this.maxSize) this.items.length = this.maxSize;
  }

  /** Merges another ranking (an intermediate one) into this one. */
  updateWithRankings(others: readonly Rankable[]): void {
    for (const r of others) this.updateWith(r);
  }

  /** Drops objects whose count fell to zero (they left the window). */
  pruneZeroCounts(): void {
    this.items = this.items.filter((r) => r.count > 0);
  }

  /** The ranking, highest count first. */
  toArray(): Rankable[] {
    return this.items.map((r) => ({ ...r }));
  }

  get size(): number {
    return this.items.length;
  }
}
