import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { Counter } from 'prom-client';
import { createAdminServer } from '../admin/server.js';
import type { ResourceSet } from '../model/resources.js';
import { createLogger } from '../observability/logger.js';
import { GatewayMetrics } from '../observability/metrics.js';
import { SnapshotStore } from '../snapshot/store.js';
import { Readiness } from '../health/readiness.js';
import { createStatusServer } from '../health/server.js';
import { listenerHostChecks } from './listener-hosts.js';
import { hashResources } from '../translate/translate.js';
import { ClusterMetricsRegistry, retireWorkerMetrics } from './cluster-metrics.js';
import type { GatewayRuntime, GatewayRuntimeOptions } from './gateway.js';
import { createSnapshotApplier, createSourceFailureReporter } from './snapshot-applier.js';
import { WorkerFleet } from './worker-fleet.js';
import { isFromWorker, WORKER_ENV, type FromWorker, type MetricsJson, type ToWorker } from './worker-protocol.js';
import { listenerFields } from './gateway-proxy.js';
import { onStopSignals, ShutdownDelay } from './shutdown-delay.js';
import { attachTokenCache, podTokenCacheBytes, workerTokenCacheBytes } from './token-cache.js';

const WORKERS_GATE = 'proxy workers';
/** A scrape waits this long for workers' metrics; a worker that does not answer is left out. */
const METRICS_TIMEOUT_MS = 2_000;
/** Beyond the drain time, how long a worker may take to exit before it is killed. */
const EXIT_GRACE_MS = 5_000;

type ApplyMessage = Extract<ToWorker, { t: 'portcullis:apply' }>;

interface MetricsRequest {
  responses: MetricsJson[];
  waiting: Set<number>;
  finish(): void;
}

/**
 * The node:cluster primary: runs the source (through the caller), admin and status listeners and
 * its own translate; forks `gateway.workers` proxy workers sharing the proxy port, sends them
 * every accepted ResourceSet with the version it assigned, restarts dead ones with backoff, and
 * on SIGTERM turns readiness off, drains them, runs beforeClose (Lease release) and exits.
 */
export async function startClusterPrimary(opts: GatewayRuntimeOptions): Promise<GatewayRuntime> {
  const { gateway } = opts;
  const logger = createLogger({ level: gateway.logLevel }).child({ role: 'primary' });
  const store = new SnapshotStore();
  const fleet = new WorkerFleet(gateway.workers);
  /** Live worker processes by cluster id, and those whose message handler is installed. */
  const live = new Map<number, Worker>();
  const greeted = new Set<number>();
  const metricsRequests = new Map<number, MetricsRequest>();
  let nextMetricsRequest = 0;

  const send = (w: Worker, msg: ToWorker) => {
    try {
      if (w.isConnected()) w.send(msg);
    } catch (err) {
      logger.warn({ worker: fleet.get(w.id)?.slot, err: { message: (err as Error).message } }, 'cannot reach proxy worker');
    }
  };

  /** Each worker's last scraped metrics, and the cumulative totals of workers that died. */
  const lastScraped = new Map<number, MetricsJson>();
  let retired: MetricsJson = [];
  const collectWorkers = () =>
    new Promise<MetricsJson[]>((resolve) => {
      const targets = fleet.serving().flatMap((r) => live.get(r.id) ?? []);
      if (targets.length === 0) return resolve([retired]);
      const id = ++nextMetricsRequest;
      const req: MetricsRequest = {
        responses: [],
        waiting: new Set(targets.map((w) => w.id)),
        finish: () => {
          clearTimeout(timer);
          metricsRequests.delete(id);
          resolve([...req.responses, retired]);
        },
      };
      const timer = setTimeout(req.finish, METRICS_TIMEOUT_MS);
      metricsRequests.set(id, req);
      for (const w of targets) send(w, { t: 'portcullis:metrics-request', id });
    });
  const workerGone = (req: MetricsRequest, workerId: number, metrics?: MetricsJson) => {
    if (!req.waiting.delete(workerId)) return;
    if (metrics) {
      req.responses.push(metrics);
      lastScraped.set(workerId, metrics);
    }
    if (req.waiting.size === 0) req.finish();
  };

  const metrics = new GatewayMetrics({ registry: new ClusterMetricsRegistry(collectWorkers) });
  metrics.watch(store);
  // The primary translates but never authenticates a request: its cache holds nothing. The pod's
  // budget is resolved once, here, and handed to every worker, which keeps its share.
  const tokenCacheBytes = podTokenCacheBytes(gateway);
  attachTokenCache({ store, registry: metrics.registry, budgetBytes: 0 });
  const workerOptions = JSON.stringify({ ...gateway, tokenCacheBytes });
  const restarts = new Counter({
    name: 'portcullis_worker_restarts_total',
    help: 'Proxy workers restarted after they exited unexpectedly',
    registers: [metrics.registry],
  });
  const readiness = new Readiness(store);
  readiness.setGate(WORKERS_GATE, false);
  const updateReadiness = () => readiness.setGate(WORKERS_GATE, fleet.ready(store.current()?.version));

  const hostChecks = listenerHostChecks(gateway);
  const admin = createAdminServer({ store, exposeSecrets: opts.adminExposeSecrets, mode: opts.mode, allowHost: hostChecks.admin });
  const status = createStatusServer({ readiness, metrics, allowHost: hostChecks.status });
  await status.listen({ host: gateway.statusListen.host, port: gateway.statusListen.port });
  await admin.listen({ host: gateway.adminListen.host, port: gateway.adminListen.port });

  let current: ApplyMessage | undefined;
  let stopping = false;
  /** In the shutdown delay: workers answer with `connection: close` (also one restarted meanwhile). */
  let keepAliveEnded = false;
  const restartTimers = new Set<NodeJS.Timeout>();
  let allExited: (() => void) | undefined;

  // Let the kernel hand connections to the workers (each accepts on the shared socket) rather
  // than node:cluster's round-robin through the primary: with round-robin, a connection handed
  // to a worker at the moment it dies is never closed by the primary and the client hangs until
  // its own timeout. Also keeps the primary off the accept path. NODE_CLUSTER_SCHED_POLICY=rr
  // still selects round-robin.
  if (!process.env['NODE_CLUSTER_SCHED_POLICY']) cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({
    exec: fileURLToPath(new URL('./proxy-worker-main.js', import.meta.url)),
    args: [],
    // Structured clone: a large ResourceSet crosses IPC faster than as JSON.
    serialization: 'advanced',
  });

  const fork = (slot: number) => {
    const w = cluster.fork({ [WORKER_ENV.slot]: String(slot), [WORKER_ENV.options]: workerOptions });
    live.set(w.id, w);
    fleet.started(slot, w.id, w.process.pid, Date.now());
    w.on('message', (msg: unknown) => {
      if (isFromWorker(msg)) onWorkerMessage(w, msg);
    });
    w.on('error', (err: Error) => logger.warn({ worker: slot, err: { message: err.message } }, 'proxy worker IPC error'));
    w.on('exit', (code: number | null, signal: string | null) => onWorkerExit(w, code, signal));
  };

  const onWorkerMessage = (w: Worker, msg: FromWorker) => {
    const rec = fleet.get(w.id);
    switch (msg.t) {
      case 'portcullis:hello':
        greeted.add(w.id);
        if (stopping) send(w, { t: 'portcullis:drain' });
        else {
          if (current) send(w, current);
          if (keepAliveEnded) send(w, { t: 'portcullis:end-keep-alive' });
        }
        return;
      case 'portcullis:applied':
        fleet.applied(w.id, msg.version);
        return updateReadiness();
      case 'portcullis:apply-failed':
        // The primary built this very input: the worker is unwell. Recycle it; it gets the
        // current ResourceSet again when it restarts.
        logger.error({ worker: rec?.slot, version: msg.version, err: { message: msg.message } }, 'proxy worker could not build the snapshot; restarting it');
        w.process.kill('SIGTERM');
        return;
      case 'portcullis:listening':
        fleet.listening(w.id);
        logger.info({ worker: rec?.slot, pid: w.process.pid, version: rec?.version }, 'proxy worker serving');
        return updateReadiness();
      case 'portcullis:listen-failed':
        // A port conflict does not heal by restarting: fail like the single process does.
        logger.error({ worker: rec?.slot }, `proxy listener failed: ${msg.message}`);
        void shutdown('proxy listener failed', 1);
        return;
      case 'portcullis:metrics': {
        const req = metricsRequests.get(msg.id);
        if (req) workerGone(req, w.id, msg.metrics);
        return;
      }
    }
  };

  const onWorkerExit = (w: Worker, code: number | null, signal: string | null) => {
    live.delete(w.id);
    greeted.delete(w.id);
    for (const req of metricsRequests.values()) workerGone(req, w.id);
    const last = lastScraped.get(w.id);
    if (last) retired = retireWorkerMetrics(retired, last);
    lastScraped.delete(w.id);
    const pid = w.process.pid;
    const gone = fleet.exited(w.id, Date.now());
    updateReadiness();
    if (stopping) {
      logger.info({ worker: gone?.slot, pid, code, signal }, 'proxy worker exited');
      if (live.size === 0) allExited?.();
      return;
    }
    if (!gone) return;
    restarts.inc();
    logger.warn({ worker: gone.slot, pid, code, signal, restart_in_ms: gone.restartInMs }, 'proxy worker exited; restarting it');
    const timer = setTimeout(() => {
      restartTimers.delete(timer);
      if (!stopping) fork(gone.slot);
    }, gone.restartInMs);
    restartTimers.add(timer);
  };

  for (let slot = 1; slot <= gateway.workers; slot++) fork(slot);
  logger.info(
    {
      mode: opts.mode,
      workers: gateway.workers,
      ...listenerFields(gateway),
      token_cache_bytes: tokenCacheBytes,
      token_cache_bytes_per_worker: workerTokenCacheBytes(tokenCacheBytes, gateway.workers),
    },
    'portcullis listening (proxy in worker processes)',
  );

  const applier = createSnapshotApplier({ store, metrics, logger, logDiagnostics: true });
  const apply = (resources: ResourceSet, hash = hashResources(resources)) => {
    const snapshot = applier.apply(resources, hash);
    if (snapshot) {
      current = { t: 'portcullis:apply', resources, hash, version: snapshot.version };
      for (const id of greeted) {
        const w = live.get(id);
        if (w) send(w, current);
      }
    }
    updateReadiness();
    return snapshot;
  };

  let resolveClosed!: (code: number) => void;
  const closed = new Promise<number>((r) => (resolveClosed = r));
  const delay = new ShutdownDelay(gateway.shutdownDelaySeconds * 1000);
  let shuttingDown: Promise<void> | undefined;
  const shutdown = (reason: string, exitCode = 0) =>
    (shuttingDown ??= (async () => {
      readiness.markShuttingDown();
      // A failed start (exit code ≠ 0) has nothing to keep serving.
      if (delay.ms > 0 && exitCode === 0) {
        logger.info({ reason, delay_seconds: gateway.shutdownDelaySeconds }, 'shutting down: readiness off; workers still accept (connection: close) for the shutdown delay');
        keepAliveEnded = true;
        for (const id of greeted) {
          const w = live.get(id);
          if (w) send(w, { t: 'portcullis:end-keep-alive' });
        }
        await delay.wait();
      }
      logger.info({ reason }, 'shutting down: readiness off, draining proxy workers');
      stopping = true;
      for (const t of restartTimers) clearTimeout(t);
      restartTimers.clear();
      const exited = new Promise<void>((r) => (live.size === 0 ? r() : (allExited = r)));
      for (const w of live.values()) {
        fleet.draining(w.id);
        // A worker that has not greeted yet may not hear a message: a signal stops it either way.
        if (greeted.has(w.id)) send(w, { t: 'portcullis:drain' });
        else w.process.kill('SIGTERM');
      }
      const hook = (async () => {
        try {
          await opts.beforeClose?.();
        } catch (err) {
          logger.warn({ err: { message: (err as Error).message } }, 'shutdown hook failed');
        }
      })();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((r) => (timer = setTimeout(r, gateway.drainSeconds * 1000 + EXIT_GRACE_MS)));
      await Promise.all([hook, Promise.race([exited, deadline])]);
      clearTimeout(timer);
      if (live.size > 0) {
        logger.warn({ workers: [...live.values()].map((w) => w.process.pid) }, 'proxy workers did not exit in time; killing them');
        for (const w of live.values()) w.process.kill('SIGKILL');
        await exited;
      }
      await Promise.allSettled([admin.close(), status.close()]);
      logger.info('stopped');
      logger.flush();
      resolveClosed(exitCode);
    })());
  onStopSignals(delay, logger, (signal) => void shutdown(signal));

  return {
    store,
    metrics,
    readiness,
    logger,
    apply,
    reportSourceFailure: createSourceFailureReporter({ store, metrics, logger }),
    closed,
    shutdown: (reason) => shutdown(reason),
  };
}
