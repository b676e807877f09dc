import { describe, expect, it } from 'vitest';
import { LruCache } from '../../../src/plugins/jwt/token-cache.js';

/** Reference LRU: Map insertion order, delete + re-insert on hit (the original implementation). */
class MapLru {
  readonly map = new Map<string, number>();
  constructor(readonly max: number) {}
  get(k: string): number | undefined {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(k: string, v: number): void {
    if (this.max <= 0) return;
    if (this.map.has(k)) this.map.delete(k);
    else if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value!);
    this.map.set(k, v);
  }
}

describe('LruCache against a reference LRU', () => {
  it.each([1, 2, 3, 7, 50])('same results for 5,000 pseudo-random gets and sets (capacity %i)', (capacity) => {
    const lru = new LruCache<number>(capacity);
    const ref = new MapLru(capacity);
    let seed = capacity * 7919;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 5000; i++) {
      const key = `k${next() % (capacity * 2 + 1)}`;
      if (next() % 3 === 0) {
        lru.set(key, i);
        ref.set(key, i);
      } else {
        expect(lru.get(key)).toBe(ref.get(key));
      }
      expect(lru.size).toBe(ref.map.size);
    }
    for (const k of ref.map.keys()) expect(lru.get(k)).toBe(ref.map.get(k));
  });
});
