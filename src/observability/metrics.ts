import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { RouteLatencyHistogram, type LatencySeries } from './latency-histogram.js';
import type { ObservedRoute, ObservedStore } from './observed.js';

/** Seconds; dense below 10 ms because the proxy adds sub-millisecond latency. */
export const LATENCY_BUCKETS = [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Label used when no route matched. */
export const NO_ROUTE = '(none)';

/** Requests of one (route, status) not yet added to the prom-client counter (flushed on scrape). */
interface PendingCount {
  route: string;
  status: string;
  n: number;
}

interface RouteChildren {
  label: string;
  byStatus: Map<number, PendingCount>;
  /** The last status seen and its counter: most requests of a route repeat it (no Map lookup). */
  lastStatus: number;
  lastCount: PendingCount | undefined;
  latency: LatencySeries;
}

/**
 * Prometheus metrics for the gateway on a private registry (tests can create several).
 * Hot path: per-route state is cached per route object (a WeakMap, so a swapped-out snapshot's
 * routes are collected with it); a request costs a Map lookup, a counter increment and a bucket
 * search. Request counts reach prom-client's Counter when the registry is read (its collect hook),
 * latency lives in RouteLatencyHistogram, which the registry exports like a prom-client Histogram.
 */
export class GatewayMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'route' | 'status'>;
  readonly authFailures: Counter<'route' | 'reason'>;
  readonly latency: RouteLatencyHistogram;
  readonly snapshotVersion: Gauge;
  readonly snapshotReloads: Counter;
  readonly snapshotReloadFailures: Counter;
  /** Connections closed for a missing, malformed or late PROXY protocol header (docs/client-ip.md). */
  readonly proxyProtocolRejections: Counter<'reason'>;
  /** rate-limiting (docs/rate-limiting.md#metrics): refused requests, and requests whose counters Redis could not give. */
  readonly rateLimitedRequests: Counter<'route'>;
  readonly rateLimitStoreErrors: Counter<'route'>;
  readonly #byRoute = new WeakMap<ObservedRoute, RouteChildren>();
  readonly #noRoute: RouteChildren;
  /** By route label + status: one entry per series however many snapshots reuse the label. */
  readonly #pending = new Map<string, PendingCount>();

  /**
   * `registry`: where to register (the cluster primary passes one that also folds in its
   * workers' metrics). The `aggregator` of each metric says how the primary combines the
   * processes' values: counts of per-request events sum; per-pod facts every process shares
   * (snapshot version, reloads, which happen in the primary and each worker alike) take the max.
   */
  constructor(opts: { defaultMetrics?: boolean; registry?: Registry } = {}) {
    this.registry = opts.registry ?? new Registry();
    const registers = [this.registry];
    const pending = this.#pending;
    this.requests = new Counter({
      name: 'portcullis_requests_total', help: 'Proxied requests by route and status', labelNames: ['route', 'status'], registers,
      collect() {
        for (const p of pending.values()) {
          if (p.n > 0) {
            this.labels(p.route, p.status).inc(p.n);
            p.n = 0;
          }
        }
      },
    });
    this.authFailures = new Counter({ name: 'portcullis_auth_failures_total', help: 'JWT authentication failures by route and reason', labelNames: ['route', 'reason'], registers });
    this.latency = new RouteLatencyHistogram('portcullis_request_duration_seconds', 'Time from request start to response end, by route', 'route', LATENCY_BUCKETS);
    this.registry.registerMetric(this.latency as never);
    this.snapshotVersion = new Gauge({ name: 'portcullis_snapshot_version', help: 'Version of the live snapshot', aggregator: 'max', registers });
    this.snapshotReloads = new Counter({ name: 'portcullis_snapshot_reloads_total', help: 'Snapshots swapped in', aggregator: 'max', registers });
    this.snapshotReloadFailures = new Counter({ name: 'portcullis_snapshot_reload_failures_total', help: 'Snapshot builds that failed (the previous one kept serving)', registers });
    this.proxyProtocolRejections = new Counter({
      name: 'portcullis_proxy_protocol_rejections_total', help: 'Connections closed for a missing, malformed or late PROXY protocol header', labelNames: ['reason'], registers,
    });
    this.rateLimitedRequests = new Counter({ name: 'portcullis_rate_limited_total', help: 'Requests refused by the rate-limiting plugin, by route', labelNames: ['route'], registers });
    this.rateLimitStoreErrors = new Counter({
      name: 'portcullis_rate_limit_store_errors_total', help: "Requests whose rate-limiting counters Redis could not give (proxied unlimited with fault_tolerant, else 500), by route", labelNames: ['route'], registers,
    });
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.#noRoute = this.#children(NO_ROUTE);
  }

  #children(label: string): RouteChildren {
    return { label, byStatus: new Map(), lastStatus: 0, lastCount: undefined, latency: this.latency.series(label) };
  }

  /** Record one finished request. `route` undefined = no route matched. */
  observe(route: ObservedRoute | undefined, status: number, seconds: number): void {
    let ch: RouteChildren | undefined;
    if (route) {
      ch = this.#byRoute.get(route);
      if (!ch) {
        ch = this.#children(route.label);
        this.#byRoute.set(route, ch);
      }
    } else ch = this.#noRoute;
    let c = ch.lastCount;
    if (c === undefined || ch.lastStatus !== status) {
      c = ch.byStatus.get(status);
      if (!c) {
        const key = `${ch.label}\u0000${status}`;
        c = this.#pending.get(key);
        if (!c) {
          c = { route: ch.label, status: String(status), n: 0 };
          this.#pending.set(key, c);
        }
        ch.byStatus.set(status, c);
      }
      ch.lastStatus = status;
      ch.lastCount = c;
    }
    c.n++;
    ch.latency.observe(seconds);
  }

  authFailure(route: ObservedRoute, reason: string): void {
    this.authFailures.labels(route.label, reason).inc();
  }

  rateLimited(route: ObservedRoute): void {
    this.rateLimitedRequests.labels(route.label).inc();
  }

  rateLimitStoreError(route: ObservedRoute): void {
    this.rateLimitStoreErrors.labels(route.label).inc();
  }

  snapshotSwapped(version: number): void {
    this.snapshotVersion.set(version);
    this.snapshotReloads.inc();
  }

  /** Track the store: version gauge and reload counter follow every swap. Returns unsubscribe. */
  watch(store: ObservedStore): () => void {
    const cur = store.current();
    if (cur) this.snapshotVersion.set(cur.version);
    return store.onSwap((next) => this.snapshotSwapped(next.version));
  }

  reloadFailed(): void {
    this.snapshotReloadFailures.inc();
  }
}
