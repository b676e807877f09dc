import { createAdminServer } from '../admin/server.js';
import type { GatewayOptions } from './options.js';
import type { Diagnostic } from '../model/diagnostics.js';
import type { ResourceSet } from '../model/resources.js';
import { createAccessLog, createLogger, type Logger } from '../observability/logger.js';
import { GatewayMetrics } from '../observability/metrics.js';
import { SnapshotStore } from '../snapshot/store.js';
import type { Snapshot } from '../snapshot/types.js';
import { Readiness } from '../status/health.js';
import { createStatusServer } from '../status/server.js';
import { listenerHostChecks } from './listener-hosts.js';
import { startClusterPrimary } from './cluster-primary.js';
import { createSnapshotApplier, createSourceFailureReporter } from './snapshot-applier.js';
import { createGatewayProxy, listenerFields } from './gateway-proxy.js';
import { onStopSignals, ShutdownDelay } from './shutdown-delay.js';
import { attachTokenCache, podTokenCacheBytes } from './token-cache.js';

export interface GatewayRuntime {
  store: SnapshotStore;
  metrics: GatewayMetrics;
  readiness: Readiness;
  logger: Logger;
  /**
   * Translate and swap in a new snapshot, unless its inputs hash like the live one's. Never throws:
   * a failed build is logged and counted, and the previous snapshot keeps serving. With workers,
   * the primary's version is then sent to every worker.
   */
  apply(resources: ResourceSet, hash?: string): Snapshot | undefined;
  /** A source could not produce a ResourceSet at all (e.g. a kong.yml that does not parse). */
  reportSourceFailure(diagnostics: readonly Diagnostic[]): void;
  /** Resolves with the exit code once SIGTERM/SIGINT (or shutdown()) has drained and closed everything. */
  closed: Promise<number>;
  shutdown(reason: string): Promise<void>;
}

export interface GatewayRuntimeOptions {
  gateway: GatewayOptions;
  mode: 'standalone' | 'controller';
  adminExposeSecrets: boolean;
  /** Called first on shutdown (e.g. stop watches, release the Lease). */
  beforeClose?: () => Promise<void>;
}

/**
 * Listeners, store, metrics and signal handling shared by the standalone and controller modes.
 * `gateway.workers > 0`: this process becomes the node:cluster primary (source, admin, status)
 * and the proxy runs in that many worker processes (cluster-primary.ts).
 */
export async function startGatewayRuntime(opts: GatewayRuntimeOptions): Promise<GatewayRuntime> {
  return opts.gateway.workers > 0 ? startClusterPrimary(opts) : startSingleProcess(opts);
}

async function startSingleProcess(opts: GatewayRuntimeOptions): Promise<GatewayRuntime> {
  const { gateway } = opts;
  const logger = createLogger({ level: gateway.logLevel });
  const store = new SnapshotStore();
  const metrics = new GatewayMetrics();
  metrics.watch(store);
  const tokenCacheBytes = podTokenCacheBytes(gateway);
  attachTokenCache({ store, registry: metrics.registry, budgetBytes: tokenCacheBytes });
  const readiness = new Readiness(store);
  const accessLog = createAccessLog({ enabled: gateway.accessLog });
  const proxy = createGatewayProxy(gateway, { store, metrics, accessLog, logger, readiness });
  const hostChecks = listenerHostChecks(gateway);
  const admin = createAdminServer({ store, exposeSecrets: opts.adminExposeSecrets, mode: opts.mode, allowHost: hostChecks.admin });
  const status = createStatusServer({ readiness, metrics, allowHost: hostChecks.status });

  await status.listen({ host: gateway.statusListen.host, port: gateway.statusListen.port });
  await admin.listen({ host: gateway.adminListen.host, port: gateway.adminListen.port });
  await proxy.listen(gateway.proxyListen);
  logger.info(
    {
      mode: opts.mode,
      ...listenerFields(gateway),
      token_cache_bytes: tokenCacheBytes,
    },
    'portcullis listening',
  );

  const applier = createSnapshotApplier({ store, metrics, logger, logDiagnostics: true });

  let resolveClosed!: (code: number) => void;
  const closed = new Promise<number>((r) => (resolveClosed = r));
  const delay = new ShutdownDelay(gateway.shutdownDelaySeconds * 1000);
  let shuttingDown: Promise<void> | undefined;
  const shutdown = (reason: string) =>
    (shuttingDown ??= (async () => {
      readiness.markShuttingDown();
      if (delay.ms > 0) {
        logger.info({ reason, delay_seconds: gateway.shutdownDelaySeconds }, 'shutting down: readiness off; still accepting (connection: close) for the shutdown delay');
        proxy.endKeepAlive();
        await delay.wait();
      }
      logger.info({ reason }, 'shutting down: readiness off, draining in-flight requests');
      try {
        await opts.beforeClose?.();
      } catch (err) {
        logger.warn({ err: { message: (err as Error).message } }, 'shutdown hook failed');
      }
      await proxy.close();
      await Promise.allSettled([admin.close(), status.close()]);
      accessLog.flush();
      logger.info('stopped');
      logger.flush();
      resolveClosed(0);
    })());
  onStopSignals(delay, logger, (signal) => void shutdown(signal));

  return {
    store,
    metrics,
    readiness,
    logger,
    apply: (resources, hash) => applier.apply(resources, hash),
    reportSourceFailure: createSourceFailureReporter({ store, metrics, logger }),
    closed,
    shutdown,
  };
}
