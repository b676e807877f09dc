import type { GatewayOptions } from './options.js';
import type { AccessLog, Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { createProxyServer, type ProxyServer } from '../proxy/server.js';
import type { SnapshotStore } from '../snapshot/store.js';
import type { Readiness } from '../health/readiness.js';

/** The production proxy listener, as the single process and every worker run it. */
export function createGatewayProxy(
  gateway: GatewayOptions,
  deps: { store: SnapshotStore; metrics: GatewayMetrics; accessLog: AccessLog; logger: Logger; readiness: Readiness },
): ProxyServer {
  return createProxyServer({
    ...deps,
    keepUnderscoreHeaders: gateway.underscoreHeaders === 'keep',
    drainTimeoutMs: gateway.drainSeconds * 1000,
    clientIp: gateway.clientIp,
    proxyProtocol: gateway.proxyListen.proxyProtocol === true,
  });
}

/** The listener addresses, as logged at start. */
export function listenerFields(gateway: GatewayOptions): Record<string, string> {
  const at = (a: { host: string; port: number }) => `${a.host}:${a.port}`;
  return { proxy: at(gateway.proxyListen), admin: at(gateway.adminListen), status: at(gateway.statusListen) };
}
