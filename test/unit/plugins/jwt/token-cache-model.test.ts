import { describe, expect, it } from 'vitest';
import { TokenCache } from '../../../../src/plugins/jwt/token-cache.js';

/**
 * Reference segmented LRU over plain arrays (index 0 = least recently used), written from the
 * policy's description rather than from the implementation: new keys join probation, a hit moves
 * a key to the newest end of protected, protected over 80 % of the budget sends its oldest back
 * to the newest end of probation, and eviction takes probation's oldest, then protected's.
 */
class ArraySlru {
  readonly values = new Map<string, number>();
  probation: string[] = [];
  protected: string[] = [];
  constructor(readonly budget: number) {}
  cost = (k: string) => TokenCache.entryBytes(k);
  sum = (ks: string[]) => ks.reduce((s, k) => s + this.cost(k), 0);
  get bytes() {
    return this.sum(this.probation) + this.sum(this.protected);
  }
  get(k: string): number | undefined {
    if (!this.values.has(k)) return undefined;
    this.probation = this.probation.filter((x) => x !== k);
    this.protected = this.protected.filter((x) => x !== k);
    this.protected.push(k);
    while (this.sum(this.protected) > Math.floor(this.budget * 0.8) && this.protected.length > 0) this.probation.push(this.protected.shift()!);
    return this.values.get(k);
  }
  set(k: string, v: number): void {
    if (this.values.has(k)) {
      this.values.set(k, v);
      return;
    }
    if (this.cost(k) > this.budget) return;
    this.values.set(k, v);
    this.probation.push(k);
    while (this.bytes > this.budget) {
      const victim = this.probation.shift() ?? this.protected.shift()!;
      this.values.delete(victim);
    }
  }
}

describe('TokenCache against a reference segmented LRU', () => {
  it.each([1, 2, 3, 7, 50])('same results for 5,000 pseudo-random gets and sets (room for about %i entries)', (room) => {
    let seed = room * 7919;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    // Keys of varied lengths, so entries cost different byte counts.
    const keys = Array.from({ length: room * 2 + 1 }, (_, i) => `k${i}-${'x'.repeat(next() % 200)}`);
    const budget = room * TokenCache.entryBytes(`k0-${'x'.repeat(100)}`);
    const cache = new TokenCache<number>(budget);
    const ref = new ArraySlru(budget);
    for (let i = 0; i < 5000; i++) {
      const key = keys[next() % keys.length]!;
      if (next() % 3 === 0) {
        cache.set(key, i);
        ref.set(key, i);
      } else {
        expect(cache.get(key)).toBe(ref.get(key));
      }
      expect(cache.size).toBe(ref.values.size);
      expect(cache.bytes).toBe(ref.bytes);
      expect(cache.bytes).toBeLessThanOrEqual(budget);
    }
    for (const k of keys) expect(cache.get(k)).toBe(ref.get(k));
  });
});
