/**
 * Heap bytes one cached entry costs beyond its key's characters. bench/token-cache-heap.ts
 * measures what a full cache gives back once emptied: 250-274 B per entry on Node 20 x64 (the
 * list node, the caller's value object, the key's own string header and the Map's share of its
 * hash table); rounded up for the table's slack right after it doubles.
 */
export const ENTRY_OVERHEAD_BYTES = 320;

/** Share of the budget the protected segment (entries hit at least once since they came in) may hold. */
const PROTECTED_SHARE = 0.8;
/** Characters beyond Latin-1 make V8 store a string with two bytes per character. */
const TWO_BYTE_CHAR = /[^\u0000-\u00ff]/;

class Entry<V> {
  /** Towards the least recently used end of its segment. */
  older: Entry<V> | null = null;
  /** Towards the most recently used end of its segment. */
  newer: Entry<V> | null = null;
  constructor(
    readonly key: string,
    public value: V,
    readonly bytes: number,
    public isProtected: boolean,
  ) {}
}

/** A doubly linked recency list; `bytes` is the sum of its entries' costs. */
class Segment<V> {
  newest: Entry<V> | null = null;
  oldest: Entry<V> | null = null;
  bytes = 0;

  unlink(e: Entry<V>): void {
    if (e.older !== null) e.older.newer = e.newer;
    else this.oldest = e.newer;
    if (e.newer !== null) e.newer.older = e.older;
    else this.newest = e.older;
    e.older = null;
    e.newer = null;
    this.bytes -= e.bytes;
  }

  pushNewest(e: Entry<V>): void {
    e.older = this.newest;
    if (this.newest !== null) this.newest.newer = e;
    else this.oldest = e;
    this.newest = e;
    this.bytes += e.bytes;
  }
}

/**
 * Cache bounded by the heap bytes of its entries (key characters + ENTRY_OVERHEAD_BYTES each),
 * keyed by string: a Map to the entries of two recency lists (a segmented LRU). A new entry
 * joins the probation segment; a hit moves it to the protected segment, which may hold
 * PROTECTED_SHARE of the budget and demotes its oldest entries back to probation. Eviction takes
 * the oldest probation entry first, so a flood of keys used once (distinct tokens sent by one
 * client) churns probation and leaves keys used again and again (honest clients) in place.
 * A hit on the newest entry of its segment touches nothing; otherwise it relinks (no Map delete
 * and re-insert, which would make the Map compact itself over and over).
 *
 * Counters (hits, misses, evictions) are plain fields the caller bumps or reads: metrics read
 * them at scrape time, so the hot path pays an increment.
 */
export class TokenCache<V> {
  readonly #map = new Map<string, Entry<V>>();
  readonly #probation = new Segment<V>();
  readonly #protected = new Segment<V>();
  #budget = 0;
  #protectedBudget = 0;
  hits = 0;
  misses = 0;
  /** Entries dropped to stay within the budget. */
  evictions = 0;

  constructor(budgetBytes: number) {
    this.resize(budgetBytes);
  }

  get budgetBytes(): number {
    return this.#budget;
  }

  get bytes(): number {
    return this.#probation.bytes + this.#protected.bytes;
  }

  get size(): number {
    return this.#map.size;
  }

  /** What `key` would cost, whether or not it is cached. */
  static entryBytes(key: string): number {
    return ENTRY_OVERHEAD_BYTES + (TWO_BYTE_CHAR.test(key) ? 2 * key.length : key.length);
  }

  /** Change the budget; evicts at once down to the new one. */
  resize(budgetBytes: number): void {
    this.#budget = Math.max(0, Math.floor(budgetBytes));
    this.#protectedBudget = Math.floor(this.#budget * PROTECTED_SHARE);
    this.#demoteOverflow();
    this.#evictOverflow();
  }

  get(key: string): V | undefined {
    const e = this.#map.get(key);
    if (e === undefined) return undefined;
    if (e.isProtected) {
      if (e !== this.#protected.newest) {
        this.#protected.unlink(e);
        this.#protected.pushNewest(e);
      }
    } else {
      this.#probation.unlink(e);
      e.isProtected = true;
      this.#protected.pushNewest(e);
      this.#demoteOverflow();
    }
    return e.value;
  }

  /**
   * Cache `value` under `key` (replacing what was there); a key larger than the budget is not kept.
   * `extraBytes`: what the value keeps alive beyond the usual entry (a verified payload).
   */
  set(key: string, value: V, extraBytes = 0): void {
    const bytes = TokenCache.entryBytes(key) + extraBytes;
    const existing = this.#map.get(key);
    if (existing !== undefined) {
      if (existing.bytes === bytes) {
        existing.value = value;
        return;
      }
      this.#remove(existing);
    }
    if (bytes > this.#budget) return;
    // Our own flat copy of the key: the caller's string may be a slice that keeps a much larger
    // parent (the whole query string or header value) alive. Concatenating and slicing makes V8
    // flatten into a new string holding just these characters (plus one).
    const own = `${key} `.slice(0, -1);
    const e = new Entry(own, value, bytes, false);
    this.#map.set(own, e);
    this.#probation.pushNewest(e);
    this.#evictOverflow();
  }

  delete(key: string): void {
    const e = this.#map.get(key);
    if (e !== undefined) this.#remove(e);
  }

  /** Drop every entry whose value fails `keep`; returns how many were dropped. */
  retain(keep: (value: V) => boolean): number {
    let dropped = 0;
    for (const e of this.#map.values()) {
      if (!keep(e.value)) {
        this.#remove(e);
        dropped++;
      }
    }
    return dropped;
  }

  #remove(e: Entry<V>): void {
    (e.isProtected ? this.#protected : this.#probation).unlink(e);
    this.#map.delete(e.key);
  }

  /** Protected over its share: its oldest entries go back to probation (newest end). */
  #demoteOverflow(): void {
    while (this.#protected.bytes > this.#protectedBudget && this.#protected.oldest !== null) {
      const e = this.#protected.oldest;
      this.#protected.unlink(e);
      e.isProtected = false;
      this.#probation.pushNewest(e);
    }
  }

  #evictOverflow(): void {
    while (this.bytes > this.#budget) {
      const victim = this.#probation.oldest ?? this.#protected.oldest;
      if (victim === null) return;
      this.#remove(victim);
      this.evictions++;
    }
  }
}
