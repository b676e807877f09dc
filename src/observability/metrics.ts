import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CompiledRoute } from '../snapshot/types.js';
import type { SnapshotStore } from '../snapshot/store.js';

/** Seconds; dense below 10 ms because the proxy adds sub-millisecond latency. */
export const LATENCY_BUCKETS = [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Label used when no route matched. */
export const NO_ROUTE = '(none)';

interface RouteChildren {
  byStatus: Map<number, Counter.Internal>;
  latency: Histogram.Internal<'route'>;
}

/**
 * Prometheus metrics for the gateway on a private registry (tests can create several).
 * Hot path: labelled children are cached per CompiledRoute (a WeakMap, so a swapped-out
 * snapshot's routes are collected with it).
 */
export class GatewayMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'route' | 'status'>;
  readonly authFailures: Counter<'route' | 'reason'>;
  readonly latency: Histogram<'route'>;
  readonly snapshotVersion: Gauge;
  readonly snapshotReloads: Counter;
  readonly snapshotReloadFailures: Counter;
  readonly #byRoute = new WeakMap<CompiledRoute, RouteChildren>();
  readonly #noRoute: RouteChildren;

  /**
   * `registry`: where to register (the cluster primary passes one that also folds in its
   * workers' metrics). The `aggregator` of each metric says how the primary combines the
   * processes' values: counts of per-request events sum; per-pod facts every process shares
   * (snapshot version, reloads, which happen in the primary and each worker alike) take the max.
   */
  constructor(opts: { defaultMetrics?: boolean; registry?: Registry } = {}) {
    this.registry = opts.registry ?? new Registry();
    const registers = [this.registry];
    this.requests = new Counter({ name: 'portcullis_requests_total', help: 'Proxied requests by route and status', labelNames: ['route', 'status'], registers });
    this.authFailures = new Counter({ name: 'portcullis_auth_failures_total', help: 'JWT authentication failures by route and reason', labelNames: ['route', 'reason'], registers });
    this.latency = new Histogram({ name: 'portcullis_request_duration_seconds', help: 'Time from request start to response end, by route', labelNames: ['route'], buckets: LATENCY_BUCKETS, registers });
    this.snapshotVersion = new Gauge({ name: 'portcullis_snapshot_version', help: 'Version of the live snapshot', aggregator: 'max', registers });
    this.snapshotReloads = new Counter({ name: 'portcullis_snapshot_reloads_total', help: 'Snapshots swapped in', aggregator: 'max', registers });
    this.snapshotReloadFailures = new Counter({ name: 'portcullis_snapshot_reload_failures_total', help: 'Snapshot builds that failed (the previous one kept serving)', registers });
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.#noRoute = this.#children(NO_ROUTE);
  }

  #children(label: string): RouteChildren {
    return { byStatus: new Map(), latency: this.latency.labels(label) };
  }

  /** Record one finished request. `route` undefined = no route matched. */
  observe(route: CompiledRoute | undefined, status: number, seconds: number): void {
    let ch: RouteChildren | undefined;
    if (route) {
      ch = this.#byRoute.get(route);
      if (!ch) {
        ch = this.#children(route.label);
        this.#byRoute.set(route, ch);
      }
    } else ch = this.#noRoute;
    let c = ch.byStatus.get(status);
    if (!c) {
      c = this.requests.labels(route ? route.label : NO_ROUTE, String(status));
      ch.byStatus.set(status, c);
    }
    c.inc();
    ch.latency.observe(seconds);
  }

  authFailure(route: CompiledRoute, reason: string): void {
    this.authFailures.labels(route.label, reason).inc();
  }

  snapshotSwapped(version: number): void {
    this.snapshotVersion.set(version);
    this.snapshotReloads.inc();
  }

  /** Track the store: version gauge and reload counter follow every swap. Returns unsubscribe. */
  watch(store: SnapshotStore): () => void {
    const cur = store.current();
    if (cur) this.snapshotVersion.set(cur.version);
    return store.onSwap((next) => this.snapshotSwapped(next.version));
  }

  reloadFailed(): void {
    this.snapshotReloadFailures.inc();
  }
}
