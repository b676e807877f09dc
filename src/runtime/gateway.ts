import { createAdminServer } from '../admin/server.js';
import type { GatewayOptions } from '../cli/gateway-options.js';
import { formatDiagnostic, type Diagnostic } from '../model/diagnostics.js';
import type { ResourceSet } from '../model/resources.js';
import { createAccessLog, createLogger, type Logger } from '../observability/logger.js';
import { GatewayMetrics } from '../observability/metrics.js';
import { kongPipeline } from '../proxy/kong-pipeline.js';
import { createProxyServer } from '../proxy/server.js';
import { SnapshotStore } from '../snapshot/store.js';
import type { Snapshot } from '../snapshot/types.js';
import { Readiness } from '../status/health.js';
import { createStatusServer } from '../status/server.js';
import { hashResources, translate } from '../translate/translate.js';

export interface GatewayRuntime {
  store: SnapshotStore;
  metrics: GatewayMetrics;
  readiness: Readiness;
  logger: Logger;
  /**
   * Translate and swap in a new snapshot, unless its inputs hash like the live one's. Never throws:
   * a failed build is logged and counted, and the previous snapshot keeps serving.
   */
  apply(resources: ResourceSet, hash?: string): Snapshot | undefined;
  /** A source could not produce a ResourceSet at all (e.g. a kong.yml that does not parse). */
  reportSourceFailure(diagnostics: readonly Diagnostic[]): void;
  /** Resolves once SIGTERM/SIGINT (or shutdown()) has drained and closed every listener. */
  closed: Promise<void>;
  shutdown(reason: string): Promise<void>;
}

export interface GatewayRuntimeOptions {
  gateway: GatewayOptions;
  mode: 'standalone' | 'controller';
  adminExposeSecrets: boolean;
  /** Called first on shutdown (e.g. stop watches, release the Lease). */
  beforeClose?: () => Promise<void>;
}

/** Listeners, store, metrics and signal handling shared by the standalone and controller modes. */
export async function startGatewayRuntime(opts: GatewayRuntimeOptions): Promise<GatewayRuntime> {
  const { gateway } = opts;
  const logger = createLogger({ level: gateway.logLevel });
  const store = new SnapshotStore();
  const metrics = new GatewayMetrics();
  metrics.watch(store);
  const readiness = new Readiness(store);
  const accessLog = createAccessLog({ enabled: gateway.accessLog });
  const proxy = createProxyServer({
    store,
    pipeline: kongPipeline,
    metrics,
    accessLog,
    logger,
    readiness,
    drainTimeoutMs: gateway.drainSeconds * 1000,
  });
  const admin = createAdminServer({ store, exposeSecrets: opts.adminExposeSecrets, mode: opts.mode });
  const status = createStatusServer({ readiness, metrics });

  await status.listen({ host: gateway.statusListen.host, port: gateway.statusListen.port });
  await admin.listen({ host: gateway.adminListen.host, port: gateway.adminListen.port });
  await proxy.listen(gateway.proxyListen);
  logger.info(
    {
      mode: opts.mode,
      proxy: `${gateway.proxyListen.host}:${gateway.proxyListen.port}`,
      admin: `${gateway.adminListen.host}:${gateway.adminListen.port}`,
      status: `${gateway.statusListen.host}:${gateway.statusListen.port}`,
    },
    'portcullis listening',
  );

  let reported = new Set<string>();
  const apply = (resources: ResourceSet, hash = hashResources(resources)): Snapshot | undefined => {
    const live = store.current();
    if (live && live.hash === hash) return undefined;
    const started = performance.now();
    let snapshot: Snapshot;
    try {
      snapshot = translate(resources, (live?.version ?? 0) + 1, hash);
      store.swap(snapshot);
    } catch (err) {
      metrics.reloadFailed();
      logger.error({ err: { message: (err as Error).message } }, 'snapshot build failed; the previous snapshot keeps serving');
      return undefined;
    }
    // Log each problem once, when it appears, not on every rebuild.
    const now = new Set(snapshot.diagnostics.map(formatDiagnostic));
    for (const d of snapshot.diagnostics) {
      const line = formatDiagnostic(d);
      if (!reported.has(line)) logger[d.severity === 'error' ? 'error' : 'warn']({ reason: d.reason }, line);
    }
    reported = now;
    logger.info(
      {
        version: snapshot.version,
        routes: snapshot.routes.length,
        consumers: snapshot.consumers.length,
        credentials: snapshot.credentials.all.length,
        rejected: snapshot.diagnostics.filter((d) => d.severity === 'error').length,
        build_ms: Math.round((performance.now() - started) * 10) / 10,
      },
      'snapshot swapped',
    );
    return snapshot;
  };

  const reportSourceFailure = (diagnostics: readonly Diagnostic[]) => {
    metrics.reloadFailed();
    for (const d of diagnostics) logger.error({ reason: d.reason }, formatDiagnostic(d));
    logger.error(store.current() ? 'configuration rejected; the previous snapshot keeps serving' : 'configuration rejected; nothing to serve yet');
  };

  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  let shuttingDown: Promise<void> | undefined;
  const shutdown = (reason: string) =>
    (shuttingDown ??= (async () => {
      logger.info({ reason }, 'shutting down: readiness off, draining in-flight requests');
      readiness.markShuttingDown();
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
      resolveClosed();
    })());
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void shutdown(signal));

  return { store, metrics, readiness, logger, apply, reportSourceFailure, closed, shutdown };
}
