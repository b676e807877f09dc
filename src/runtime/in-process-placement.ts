import { createAccessLog, type AccessLog } from '../observability/logger.js';
import type { RejectionEntry } from '../observability/rejections.js';
import type { ProxyServer } from '../proxy/server.js';
import { createGatewayProxy, listenerFields, listenProxy } from './gateway-proxy.js';
import type { PlacementContext, ProxyPlacement } from './placement.js';

/** The proxy listener in the gateway's own process (`--workers 0`). */
export class InProcessPlacement implements ProxyPlacement {
  readonly logBindings = undefined;
  readonly registry = undefined;
  readonly messages = {
    listening: 'portcullis listening',
    delay: 'shutting down: readiness off; still accepting (connection: close) for the shutdown delay',
    drain: 'shutting down: readiness off, draining in-flight requests',
  };
  #ctx!: PlacementContext;
  #accessLog!: AccessLog;
  #proxy!: ProxyServer;

  /** This process authenticates every request: its cache holds the whole budget. */
  tokenCacheBudget(podBytes: number): number {
    return podBytes;
  }

  /** This process proxies: its own ring. */
  rejections(): Promise<RejectionEntry[]> {
    return Promise.resolve(this.#ctx.rejections.list());
  }

  prepare(ctx: PlacementContext): void {
    this.#ctx = ctx;
    const { gateway, store, metrics, logger, readiness, rejections } = ctx;
    this.#accessLog = createAccessLog({ enabled: gateway.accessLog, sampleSuccess: gateway.accessLogSampleSuccess });
    this.#proxy = createGatewayProxy(gateway, { store, metrics, accessLog: this.#accessLog, logger, readiness, rejections });
  }

  async start(): Promise<Record<string, unknown>> {
    const { gateway, podTokenCacheBytes } = this.#ctx;
    await listenProxy(this.#proxy, gateway);
    return { ...listenerFields(gateway), token_cache_bytes: podTokenCacheBytes };
  }

  /** The proxy reads the store at each request: nothing to hand on. */
  applied(): void {}

  endKeepAlive(): void {
    this.#proxy.endKeepAlive();
  }

  async drain(beforeClose: () => Promise<void>): Promise<void> {
    await beforeClose();
    await this.#proxy.close();
    this.#accessLog.flush();
  }
}
