import type { Registry } from 'prom-client';
import type { GatewayOptions } from './options.js';
import { registerTokenCacheMetrics } from '../observability/token-cache-metrics.js';
import {
  defaultTokenCacheBytes,
  dropStaleVerifications,
  processTokenCache,
  type VerifiedTokenCache,
} from '../plugins/jwt/verified-token-cache.js';
import type { SnapshotStore } from '../snapshot/store.js';

/** The pod's budget: --token-cache-bytes, or the default derived from this process's heap limit. */
export function podTokenCacheBytes(gateway: GatewayOptions, heapSizeLimit?: number): number {
  return gateway.tokenCacheBytes ?? defaultTokenCacheBytes(heapSizeLimit);
}

/**
 * Each proxy worker's share of the pod's budget. Only workers hold tokens (the primary never
 * authenticates a request), so the budget is split evenly across them, rounded down: the pod's
 * caches together never exceed it however the kernel spreads connections.
 */
export function workerTokenCacheBytes(podBytes: number, workers: number): number {
  return workers > 0 ? Math.floor(podBytes / workers) : podBytes;
}

/**
 * Size this process's verified-token cache, export its metrics, and after every swap drop the
 * verifications of credentials the new snapshot no longer holds.
 */
export function attachTokenCache(opts: {
  store: SnapshotStore;
  registry: Registry;
  budgetBytes: number;
  cache?: VerifiedTokenCache;
}): void {
  const cache = opts.cache ?? processTokenCache;
  cache.resize(opts.budgetBytes);
  registerTokenCacheMetrics(opts.registry, cache);
  opts.store.onSwap((next) => dropStaleVerifications(cache, next.credentials.byKey));
}
