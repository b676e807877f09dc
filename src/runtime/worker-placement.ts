import type { Worker } from 'node:cluster';
import { Counter } from 'prom-client';
import type { ResourceSet } from '../model/resources.js';
import { ClusterMetricsRegistry } from './cluster-metrics.js';
import { listenerFields } from './gateway-proxy.js';
import { loadDefaultCertificate } from './default-certificate.js';
import type { GatewayOptions } from './options.js';
import type { PlacementContext, ProxyPlacement } from './placement.js';
import type { ApplyResult } from './snapshot-applier.js';
import { workerTokenCacheBytes } from './token-cache.js';
import { WorkerFleet } from './worker-fleet.js';
import { WorkerPool } from './worker-pool.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';
import { WorkerScrapes } from './worker-scrapes.js';
import { WorkerRejections } from './worker-rejections.js';
import { DEFAULT_REJECTIONS, type RejectionEntry } from '../observability/rejections.js';
import { LocalRateLimitNotice } from './rate-limit-workers.js';

const WORKERS_GATE = 'proxy workers';
/** Beyond the drain time, how long a worker may take to exit before it is killed. */
const EXIT_GRACE_MS = 5_000;

type ApplyMessage = Extract<ToWorker, { t: 'portcullis:apply' }>;

/**
 * The proxy in `--workers N` processes; this one becomes the node:cluster primary. It sends
 * the workers every ResourceSet it accepted with the version it assigned, restarts dead ones with
 * backoff (worker-fleet.ts), keeps readiness off until they serve, and folds their metrics into
 * its /metrics. The workers share the proxy port (proxy-worker.ts).
 */
export class WorkerPlacement implements ProxyPlacement {
  readonly logBindings = { role: 'primary' };
  readonly registry: ClusterMetricsRegistry;
  readonly messages = {
    listening: 'portcullis listening (proxy in worker processes)',
    delay: 'shutting down: readiness off; workers still accept (connection: close) for the shutdown delay',
    drain: 'shutting down: readiness off, draining proxy workers',
  };
  readonly #fleet: WorkerFleet;
  readonly #scrapes = new WorkerScrapes();
  readonly #rejections = new WorkerRejections(DEFAULT_REJECTIONS);
  #ctx!: PlacementContext;
  #pool: WorkerPool | undefined;
  #restarts!: Counter;
  /** The last ResourceSet swapped in, for workers that greet later. */
  #current: ApplyMessage | undefined;
  /** In the shutdown delay: workers answer with `connection: close` (also one restarted meanwhile). */
  #keepAliveEnded = false;
  readonly #rateLimitNotice = new LocalRateLimitNotice();

  constructor(private readonly gateway: GatewayOptions) {
    this.#fleet = new WorkerFleet(gateway.workers);
    this.registry = new ClusterMetricsRegistry(() => {
      const pool = this.#pool;
      const ids = pool ? this.#fleet.serving().flatMap((r) => (pool.live.has(r.id) ? [r.id] : [])) : [];
      return this.#scrapes.collect(ids, (workerId, id) => {
        const w = pool?.live.get(workerId);
        if (w) pool!.send(w, { t: 'portcullis:metrics-request', id });
      });
    });
  }

  /** The primary translates but never authenticates a request: its cache holds nothing. */
  tokenCacheBudget(): number {
    return 0;
  }

  /** The serving workers' rings, merged (the primary proxies nothing). */
  rejections(): Promise<RejectionEntry[]> {
    const pool = this.#pool;
    const ids = pool ? this.#fleet.serving().flatMap((r) => (pool.live.has(r.id) ? [r.id] : [])) : [];
    return this.#rejections.collect(ids, (workerId, id) => {
      const w = pool?.live.get(workerId);
      if (w) pool!.send(w, { t: 'portcullis:rejections-request', id });
    });
  }

  prepare(ctx: PlacementContext): void {
    this.#ctx = ctx;
    this.#restarts = new Counter({
      name: 'portcullis_worker_restarts_total',
      help: 'Proxy workers restarted after they exited unexpectedly',
      registers: [ctx.metrics.registry],
    });
    ctx.readiness.setGate(WORKERS_GATE, false);
    // Unusable --default-certificate files fail the start here, not in every worker on repeat.
    if (this.gateway.defaultCertificate !== undefined && this.gateway.proxyListenTls !== undefined) loadDefaultCertificate(this.gateway);
  }

  async start(): Promise<Record<string, unknown>> {
    const { gateway } = this;
    const { podTokenCacheBytes } = this.#ctx;
    // The pod's budget was resolved once, here; every worker keeps its share of it.
    const workerOptions = JSON.stringify({ ...gateway, tokenCacheBytes: podTokenCacheBytes });
    this.#pool = new WorkerPool(this.#ctx.logger, workerOptions, {
      forked: (w, slot) => void this.#fleet.started(slot, w.id, w.process.pid, Date.now()),
      message: (w, msg) => this.#onMessage(w, msg),
      exited: (w, code, signal) => this.#onExit(w, code, signal),
    });
    for (let slot = 1; slot <= gateway.workers; slot++) this.#pool.fork(slot);
    return {
      workers: gateway.workers,
      ...listenerFields(gateway),
      token_cache_bytes: podTokenCacheBytes,
      token_cache_bytes_per_worker: workerTokenCacheBytes(podTokenCacheBytes, gateway.workers),
    };
  }

  applied(result: ApplyResult, resources: ResourceSet, hash: string): void {
    if (result.kind === 'swapped') {
      this.#current = { t: 'portcullis:apply', resources, hash, version: result.snapshot.version };
      this.#pool?.broadcast(this.#current);
      this.#rateLimitNotice.check(resources, this.gateway.workers, (f, m) => this.#ctx?.logger.warn(f, m));
    }
    this.#updateReadiness();
  }

  endKeepAlive(): void {
    this.#keepAliveEnded = true;
    this.#pool?.broadcast({ t: 'portcullis:end-keep-alive' });
  }

  async drain(beforeClose: () => Promise<void>): Promise<void> {
    const pool = this.#pool;
    if (!pool) return beforeClose();
    for (const id of pool.live.keys()) this.#fleet.draining(id);
    const exited = pool.stop();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((r) => (timer = setTimeout(r, this.gateway.drainSeconds * 1000 + EXIT_GRACE_MS)));
    await Promise.all([beforeClose(), Promise.race([exited, deadline])]);
    clearTimeout(timer);
    if (pool.live.size > 0) {
      this.#ctx.logger.warn({ workers: [...pool.live.values()].map((w) => w.process.pid) }, 'proxy workers did not exit in time; killing them');
      pool.kill();
      await exited;
    }
  }

  #updateReadiness(): void {
    this.#ctx.readiness.setGate(WORKERS_GATE, this.#fleet.ready(this.#ctx.store.current()?.version));
  }

  #onMessage(w: Worker, msg: FromWorker): void {
    const pool = this.#pool!;
    const { logger } = this.#ctx;
    const rec = this.#fleet.get(w.id);
    switch (msg.t) {
      case 'portcullis:hello':
        pool.greeted.add(w.id);
        if (pool.stopping) pool.send(w, { t: 'portcullis:drain' });
        else {
          if (this.#current) pool.send(w, this.#current);
          if (this.#keepAliveEnded) pool.send(w, { t: 'portcullis:end-keep-alive' });
        }
        return;
      case 'portcullis:applied':
        this.#fleet.applied(w.id, msg.version);
        return this.#updateReadiness();
      case 'portcullis:apply-failed':
        // The primary built this very input: the worker is unwell. Recycle it; it gets the
        // current ResourceSet again when it restarts.
        logger.error({ worker: rec?.slot, version: msg.version, err: { message: msg.message } }, 'proxy worker could not build the snapshot; restarting it');
        w.process.kill('SIGTERM');
        return;
      case 'portcullis:listening':
        this.#fleet.listening(w.id);
        logger.info({ worker: rec?.slot, pid: w.process.pid, version: rec?.version }, 'proxy worker serving');
        return this.#updateReadiness();
      case 'portcullis:listen-failed':
        // A port conflict does not heal by restarting: fail like the single process does.
        logger.error({ worker: rec?.slot }, `proxy listener failed: ${msg.message}`);
        return this.#ctx.shutdown('proxy listener failed', 1);
      case 'portcullis:metrics':
        return this.#scrapes.answered(w.id, msg.id, msg.metrics);
      case 'portcullis:rejections':
        return this.#rejections.answered(w.id, msg.id, msg.entries);
    }
  }

  #onExit(w: Worker, code: number | null, signal: string | null): void {
    const pool = this.#pool!;
    const { logger } = this.#ctx;
    this.#scrapes.exited(w.id);
    this.#rejections.exited(w.id);
    const pid = w.process.pid;
    const gone = this.#fleet.exited(w.id, Date.now());
    this.#updateReadiness();
    if (pool.stopping) {
      logger.info({ worker: gone?.slot, pid, code, signal }, 'proxy worker exited');
      return;
    }
    if (!gone) return;
    this.#restarts.inc();
    logger.warn({ worker: gone.slot, pid, code, signal, restart_in_ms: gone.restartInMs }, 'proxy worker exited; restarting it');
    pool.restartLater(gone.slot, gone.restartInMs);
  }
}
