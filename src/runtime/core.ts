import { createAdminServer } from '../admin/server.js';
import type { AdminExplain } from '../admin/explain-route.js';
import { explainRequest } from '../proxy/explain.js';
import type { Diagnostic } from '../model/diagnostics.js';
import type { ResourceSet } from '../model/resources.js';
import { createLogger, type Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { RejectionLog } from '../observability/rejections.js';
import { registerPodStateMetrics } from '../observability/pod-state-metrics.js';
import type { SnapshotStore } from '../snapshot/store.js';
import type { Readiness } from '../health/readiness.js';
import { createStatusServer } from '../health/server.js';
import { hashResources } from '../translate/translate.js';
import { listenerHostChecks } from './listener-hosts.js';
import type { GatewayRuntimeOptions } from './options.js';
import type { ProxyPlacement } from './placement.js';
import { createProcessState } from './process-state.js';
import { createShutdown } from './shutdown.js';
import { createSnapshotApplier, createSourceFailureReporter, type ApplyResult } from './snapshot-applier.js';
import { podTokenCacheBytes } from './token-cache.js';
import type { JwksRegistry } from './jwks-registry.js';

export interface GatewayRuntime {
  store: SnapshotStore;
  metrics: GatewayMetrics;
  readiness: Readiness;
  logger: Logger;
  /** JWKS providers of this process: their problems become status conditions in controller mode (docs/jwks.md). */
  jwks: JwksRegistry;
  /**
   * Translate and swap in a new snapshot, unless its inputs hash like the live one's. Never throws:
   * a failed build is logged and counted, and the previous snapshot keeps serving. With workers,
   * the primary's version is then sent to every worker.
   */
  apply(resources: ResourceSet, hash?: string): ApplyResult;
  /** A source could not produce a ResourceSet at all (e.g. a kong.yml that does not parse). */
  reportSourceFailure(diagnostics: readonly Diagnostic[]): void;
  /** Resolves with the exit code once SIGTERM/SIGINT (or shutdown()) has drained and closed everything. */
  closed: Promise<number>;
  shutdown(reason: string): Promise<void>;
}

/**
 * What both placements of the proxy share, once: logger, store, metrics, token cache budget,
 * readiness, the admin and status listeners, the snapshot applier, shutdown and signals.
 */
export async function startRuntime(opts: GatewayRuntimeOptions, placement: ProxyPlacement): Promise<GatewayRuntime> {
  const { gateway } = opts;
  const root = createLogger({ level: gateway.logLevel });
  const logger = placement.logBindings ? root.child(placement.logBindings) : root;
  const tokenCacheBytes = podTokenCacheBytes(gateway);
  const { store, metrics, readiness, jwks } = createProcessState({
    registry: placement.registry,
    tokenCacheBytes: placement.tokenCacheBudget(tokenCacheBytes),
    jwksAllowHttp: gateway.jwksAllowHttp === true,
    logger,
  });
  // Once per pod, here (not in workers): readiness and the snapshot hash are the pod's (docs/observability.md).
  registerPodStateMetrics(metrics.registry, { isReady: () => readiness.isReady(), snapshotHash: () => store.current()?.hash });
  const hostChecks = listenerHostChecks(gateway);
  // The status page's ring: fed by an in-process proxy; with --workers each worker keeps its own (docs/status-page.md).
  const rejections = new RejectionLog();
  const admin = createAdminServer({
    store, exposeSecrets: opts.adminExposeSecrets, mode: opts.mode, allowHost: hostChecks.admin,
    ...(gateway.adminExplain !== false && { explain: adminExplain }),
    statusPage: {
      rejections: () => placement.rejections(),
      rejectionsFrom: gateway.workers > 0 ? `${gateway.workers} proxy workers` : 'this process',
      metricsText: () => metrics.registry.metrics(),
    },
  });
  const status = createStatusServer({ readiness, metrics, allowHost: hostChecks.status });
  const stopping = createShutdown({
    shutdownDelaySeconds: gateway.shutdownDelaySeconds,
    logger,
    readiness,
    placement,
    beforeClose: opts.beforeClose,
    listeners: [admin, status],
  });
  const shutdown = (reason: string, exitCode: number) => void stopping.shutdown(reason, exitCode);
  placement.prepare({ gateway, store, metrics, readiness, logger, rejections, podTokenCacheBytes: tokenCacheBytes, shutdown });

  await status.listen({ host: gateway.statusListen.host, port: gateway.statusListen.port });
  await admin.listen({ host: gateway.adminListen.host, port: gateway.adminListen.port });
  const started = await placement.start();
  logger.info({ mode: opts.mode, ...started }, placement.messages.listening);
  // Controller rebuilds reuse what unchanged objects gave (docs/controller-memory.md#incremental-rebuilds).
  const applier = createSnapshotApplier({ store, metrics, logger, logDiagnostics: true, jwks, incremental: opts.mode === 'controller' });
  stopping.onSignals();

  return {
    store,
    metrics,
    readiness,
    logger,
    jwks,
    apply(resources, hash = hashResources(resources)) {
      const result = applier.apply(resources, hash);
      placement.applied(result, resources, hash);
      return result;
    },
    reportSourceFailure: createSourceFailureReporter({ store, metrics, logger }),
    closed: stopping.closed,
    shutdown: (reason) => stopping.shutdown(reason),
  };
}

/** POST /debug/explain: the proxy's explain over the live snapshot, at the request clock unless told (docs/explain.md). */
const adminExplain: AdminExplain = (snapshot, req, now) => explainRequest(snapshot, req, { nowSeconds: now ?? Math.floor(Date.now() / 1000) });
