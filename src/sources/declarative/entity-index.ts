/**
 * Entities of one kind in file order, indexed by their identifying fields (name, id, ...), so
 * duplicate checks and reference lookups are O(1) instead of a scan of everything seen so far
 * (which made a 100,000-consumer file quadratic). Lookups return the EARLIEST entity with the
 * value, as the scans did, so diagnostics name the same entity as before.
 */
export class EntityIndex<T, K extends string> {
  readonly items: T[] = [];
  private readonly names: K[];
  private readonly fields: Array<(item: T) => string | undefined>;
  /** Parallel to `names`: field value → position of the first entity with it. */
  private readonly maps: Array<Map<string, number>>;

  constructor(keys: Readonly<Record<K, (item: T) => string | undefined>>) {
    this.names = Object.keys(keys) as K[];
    this.fields = this.names.map((k) => keys[k]);
    this.maps = this.names.map(() => new Map());
  }

  /** Adds an entity; its key fields must not change afterwards. */
  push(item: T): void {
    const at = this.items.length;
    this.items.push(item);
    for (let i = 0; i < this.fields.length; i++) {
      const value = this.fields[i]!(item);
      const map = this.maps[i]!;
      if (value !== undefined && !map.has(value)) map.set(value, at);
    }
  }

  /** The earliest entity whose field `key` equals `value`. */
  get(key: K, value: string | undefined): T | undefined {
    if (value === undefined) return undefined;
    const at = this.maps[this.names.indexOf(key)]!.get(value);
    return at === undefined ? undefined : this.items[at];
  }

  /** The earliest entity matching ANY of the given field values (undefined values are skipped). */
  firstOf(query: Partial<Record<K, string | undefined>>): T | undefined {
    let best = -1;
    for (let i = 0; i < this.names.length; i++) {
      const value = query[this.names[i]!];
      if (value === undefined) continue;
      const at = this.maps[i]!.get(value);
      if (at !== undefined && (best < 0 || at < best)) best = at;
    }
    return best < 0 ? undefined : this.items[best];
  }
}
