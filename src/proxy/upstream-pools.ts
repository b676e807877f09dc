import { Pool } from 'undici';
import type { Logger } from '../observability/logger.js';
import type { Upstream, UpstreamTarget } from '../snapshot/types.js';
import { H2Upstream, type UpstreamDispatcher } from './h2-upstream.js';
import { hostWithoutPort } from './host-header.js';
import { tlsConnector, upstreamTlsClient, warnUnverified, type UpstreamTlsDefaults } from './upstream-tls.js';
import type { DispatchTracer } from './request-tracer.js';

export interface PoolOptions {
  /** Idle keep-alive sockets per origin (undici `connections` caps concurrent sockets; null = unbounded). */
  connections?: number | null;
  keepAliveTimeoutMs?: number;
  /** Verify https upstreams whose service leaves it unset (--upstream-tls-verify; default on, Kong: off). */
  upstreamTlsVerify?: boolean;
  /** Upstream TLS warnings (unverified upstreams, failed handshakes). */
  logger?: Logger;
}

/**
 * Pool identity. https pools and grpcs sessions also carry the upstream and its TLS settings'
 * hash: each has its own trust store, client certificate and SNI, and new material means a new
 * pool (docs/upstream-tls.md).
 */
function poolKey(upstream: Upstream, target: UpstreamTarget): string {
  const base = `${target.origin}|${upstream.connectTimeoutMs}`;
  return upstream.protocol === 'https' || upstream.protocol === 'grpcs' ? `${base}|${upstream.id}|${upstream.tls?.hash ?? ''}` : base;
}

/**
 * One keep-alive undici Pool per (origin, connect timeout), kept across snapshot swaps so upstream
 * connections survive reloads. Pools for origins no live snapshot uses are closed by `retain`.
 */
export class UpstreamPools {
  readonly #pools = new Map<string, UpstreamDispatcher>();
  /**
   * The pool last used for a snapshot's target (same upstream object, same connect timeout): the
   * per-request lookup then builds and hashes no key string. Entries of closed pools are ignored.
   */
  readonly #byTarget = new WeakMap<UpstreamTarget, { upstream: Upstream; pool: UpstreamDispatcher }>();
  readonly #opts: PoolOptions;
  /** Upstream ids already warned about (unverified TLS), so a warning is logged once per upstream. */
  readonly #warned = new Set<string>();

  /** Set while tracing is on (docs/tracing.md): the upstream request gets a CLIENT span and traceparent. */
  tracer: DispatchTracer | undefined = undefined;

  constructor(opts: PoolOptions = {}) {
    this.#opts = opts;
  }

  get(upstream: Upstream, target: UpstreamTarget): UpstreamDispatcher {
    const pool = this.#get(upstream, target);
    const tracer = this.tracer;
    return tracer === undefined ? pool : tracer.wrap(pool, target);
  }

  #get(upstream: Upstream, target: UpstreamTarget): UpstreamDispatcher {
    const cached = this.#byTarget.get(target);
    if (cached !== undefined && cached.upstream === upstream && !cached.pool.closed && !cached.pool.destroyed) return cached.pool;
    const pool = this.#keyed(upstream, target);
    this.#byTarget.set(target, { upstream, pool });
    return pool;
  }

  #keyed(upstream: Upstream, target: UpstreamTarget): UpstreamDispatcher {
    const key = poolKey(upstream, target);
    let pool = this.#pools.get(key);
    const o = this.#opts;
    if (!pool && (upstream.protocol === 'grpc' || upstream.protocol === 'grpcs')) {
      // gRPC needs HTTP/2 to the upstream (trailers, streams both ways): docs/http2-grpc.md#grpc.
      pool = new H2Upstream({
        host: target.host,
        port: target.port,
        ...(upstream.protocol === 'grpcs' ? { tls: upstreamTlsClient(upstream, this.#tlsDefaults(upstream)), sniName: hostOf(upstream.hostHeader) } : {}),
        connectTimeoutMs: upstream.connectTimeoutMs,
        idleTimeoutMs: o.keepAliveTimeoutMs ?? 60_000,
      });
      this.#pools.set(key, pool);
    } else if (!pool) {
      pool = new Pool(target.origin, {
        connections: o.connections ?? null,
        pipelining: 1,
        keepAliveTimeout: o.keepAliveTimeoutMs ?? 60_000,
        connect: upstream.protocol === 'https' ? this.#tls(upstream) : { timeout: upstream.connectTimeoutMs },
      });
      this.#pools.set(key, pool);
    }
    return pool;
  }

  #tls(upstream: Upstream): ReturnType<typeof tlsConnector> {
    return tlsConnector(upstream, upstream.connectTimeoutMs, this.#tlsDefaults(upstream));
  }

  /** The process's TLS defaults; warns once per upstream that is not verified. */
  #tlsDefaults(upstream: Upstream): UpstreamTlsDefaults {
    const o = this.#opts;
    const defaults: UpstreamTlsDefaults = { verify: o.upstreamTlsVerify ?? true, ...(o.logger ? { logger: o.logger } : {}) };
    if (!this.#warned.has(upstream.id)) {
      this.#warned.add(upstream.id);
      warnUnverified(upstream, defaults);
    }
    return defaults;
  }

  /** Close pools whose origin is not in `live` (call after a snapshot swap). */
  retain(live: Iterable<Upstream>): void {
    const keep = new Set<string>();
    for (const u of live) for (const t of u.targets) keep.add(poolKey(u, t));
    for (const [key, pool] of this.#pools) {
      if (!keep.has(key)) {
        this.#pools.delete(key);
        void pool.close().catch(() => {});
      }
    }
  }

  get size(): number {
    return this.#pools.size;
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((p) => p.close().catch(() => {})));
  }

  /** Abort everything still in flight (end of a drain timeout). */
  async destroy(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => {})));
  }
}

/** The name a Host header carries, without port or IPv6 brackets. */
function hostOf(hostHeader: string): string {
  return hostWithoutPort(hostHeader).replace(/^\[(.*)\]$/, '$1');
}
