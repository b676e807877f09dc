import type { Registry } from 'prom-client';
import { GatewayMetrics } from '../observability/metrics.js';
import { SnapshotStore } from '../snapshot/store.js';
import { Readiness } from '../health/readiness.js';
import { attachTokenCache } from './token-cache.js';
import { registerCertificateMetrics } from './certificate-metrics.js';
import { registerJwksMetrics } from '../observability/jwks-metrics.js';
import type { Logger } from '../observability/logger.js';
import { JwksRegistry } from './jwks-registry.js';

export interface ProcessState {
  store: SnapshotStore;
  metrics: GatewayMetrics;
  readiness: Readiness;
  /** This process's JWKS providers (docs/jwks.md): each process holding snapshots fetches on its own. */
  jwks: JwksRegistry;
}

/**
 * What every process holding snapshots keeps (the runtime core's process and each proxy worker):
 * the store, metrics following it, the verified-token cache sized to this process's share of the
 * pod's budget (token-cache.ts), and readiness.
 */
export function createProcessState(opts: { registry?: Registry | undefined; tokenCacheBytes: number; jwksAllowHttp?: boolean; logger?: Logger }): ProcessState {
  const store = new SnapshotStore();
  const metrics = new GatewayMetrics(opts.registry ? { registry: opts.registry } : {});
  metrics.watch(store);
  registerCertificateMetrics(metrics.registry, store);
  attachTokenCache({ store, registry: metrics.registry, budgetBytes: opts.tokenCacheBytes });
  const jwks = new JwksRegistry({ allowHttp: opts.jwksAllowHttp === true, ...(opts.logger !== undefined ? { logger: opts.logger } : {}) });
  registerJwksMetrics(metrics.registry, jwks);
  return { store, metrics, readiness: new Readiness(store), jwks };
}
