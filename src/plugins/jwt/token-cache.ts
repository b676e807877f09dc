interface Entry<V> {
  key: string;
  value: V;
  /** Towards the least recently used end. */
  older: Entry<V> | null;
  /** Towards the most recently used end. */
  newer: Entry<V> | null;
}

/**
 * Bounded LRU keyed by the token string: a Map to the entries of a doubly linked recency list.
 * A hit only relinks the entry (no Map delete + re-insert, which leaves a hole in the Map's table
 * on every request and makes it compact itself over and over). The oldest entry is evicted when full.
 */
export class LruCache<V> {
  private readonly map = new Map<string, Entry<V>>();
  private newest: Entry<V> | null = null;
  private oldest: Entry<V> | null = null;

  constructor(readonly maxEntries: number) {}

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    if (e !== this.newest) {
      this.unlink(e);
      this.pushNewest(e);
    }
    return e.value;
  }

  set(key: string, value: V): void {
    if (this.maxEntries <= 0) return;
    const existing = this.map.get(key);
    if (existing !== undefined) {
      existing.value = value;
      if (existing !== this.newest) {
        this.unlink(existing);
        this.pushNewest(existing);
      }
      return;
    }
    if (this.map.size >= this.maxEntries && this.oldest !== null) {
      const evicted = this.oldest;
      this.unlink(evicted);
      this.map.delete(evicted.key);
    }
    const e: Entry<V> = { key, value, older: null, newer: null };
    this.map.set(key, e);
    this.pushNewest(e);
  }

  private unlink(e: Entry<V>): void {
    if (e.older !== null) e.older.newer = e.newer;
    else this.oldest = e.newer;
    if (e.newer !== null) e.newer.older = e.older;
    else this.newest = e.older;
    e.older = null;
    e.newer = null;
  }

  private pushNewest(e: Entry<V>): void {
    e.older = this.newest;
    if (this.newest !== null) this.newest.newer = e;
    else this.oldest = e;
    this.newest = e;
  }
}
