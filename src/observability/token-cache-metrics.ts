import { Counter, Gauge, type Registry } from 'prom-client';

/** What the verified-token cache exposes; read at scrape time, so the hot path only bumps fields. */
export interface TokenCacheStats {
  readonly bytes: number;
  readonly size: number;
  readonly budgetBytes: number;
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
}

/**
 * The process's verified-token cache on `registry`. Every series sums across processes (the
 * primary's aggregator default), so a pod with workers reports its total bytes against its total
 * budget.
 */
export function registerTokenCacheMetrics(registry: Registry, cache: TokenCacheStats): void {
  const registers = [registry];
  new Gauge({
    name: 'portcullis_jwt_token_cache_bytes',
    help: 'Heap bytes held by the verified-token cache (token characters plus per-entry overhead)',
    registers,
    collect() {
      this.set(cache.bytes);
    },
  });
  new Gauge({
    name: 'portcullis_jwt_token_cache_budget_bytes',
    help: 'Most heap bytes the verified-token cache may hold',
    registers,
    collect() {
      this.set(cache.budgetBytes);
    },
  });
  new Gauge({
    name: 'portcullis_jwt_token_cache_entries',
    help: 'Verified tokens cached',
    registers,
    collect() {
      this.set(cache.size);
    },
  });
  new Counter({
    name: 'portcullis_jwt_token_cache_evictions_total',
    help: 'Verified tokens dropped from the cache to stay within its budget',
    registers,
    collect() {
      this.reset();
      this.inc(cache.evictions);
    },
  });
  new Counter({
    name: 'portcullis_jwt_token_cache_lookups_total',
    help: 'Token verifications answered from the cache (hit) or computed (miss)',
    labelNames: ['result'],
    registers,
    collect() {
      this.reset();
      this.inc({ result: 'hit' }, cache.hits);
      this.inc({ result: 'miss' }, cache.misses);
    },
  });
}
