import type { GatewayOptions } from './options.js';
import type { AccessLog, Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { RejectionRecorder } from '../observability/rejections.js';
import { createProxyServer, type ProxyServer } from '../proxy/server.js';
import type { SnapshotStore } from '../snapshot/store.js';
import type { Readiness } from '../health/readiness.js';
import { loadDefaultCertificate } from './default-certificate.js';
import { TracingControl } from './tracing-control.js';
import { GatewayListeners } from './gateway-listeners.js';

/** Each proxy's tracing switch (docs/tracing.md): listenProxy waits for its first setting. */
const tracing = new WeakMap<ProxyServer, TracingControl>();

/** The production proxy listener, as the single process and every worker run it. */
export function createGatewayProxy(
  gateway: GatewayOptions,
  deps: { store: SnapshotStore; metrics: GatewayMetrics; accessLog: AccessLog; logger: Logger; readiness: Readiness; rejections?: RejectionRecorder },
): ProxyServer {
  const proxy = createProxyServer({
    ...deps,
    keepUnderscoreHeaders: gateway.underscoreHeaders === 'keep',
    drainTimeoutMs: gateway.drainSeconds * 1000,
    poolOptions: { upstreamTlsVerify: gateway.upstreamTlsVerify, logger: deps.logger },
    h2c: gateway.proxyH2c,
    clientIp: gateway.clientIp,
    proxyProtocol: gateway.proxyListen.proxyProtocol === true,
    websocketIdleTimeoutMs: gateway.websocketIdleTimeoutMs,
    ...(gateway.proxyListenTls !== undefined
      ? { tls: { defaultCertificate: loadDefaultCertificate(gateway), http2: gateway.proxyHttp2, proxyProtocol: gateway.proxyListenTls.proxyProtocol === true } }
      : {}),
  });
  // The flags, else the live snapshot's opentelemetry plugin (kong.yml); re-read on every swap.
  const control = new TracingControl(gateway.tracing, proxy, deps.logger);
  control.apply(deps.store.current()?.tracing);
  deps.store.onSwap((next) => control.apply(next.tracing));
  tracing.set(proxy, control);
  // Per-Gateway pod ports (docs/gateway-api.md#one-address-per-gateway): only when a snapshot names some.
  const gatewayPorts = new GatewayListeners(proxy.server, gateway.proxyListen.host, deps.logger);
  gatewayPorts.apply(deps.store.current());
  deps.store.onSwap((next) => gatewayPorts.apply(next));
  const close = proxy.close;
  proxy.close = async () => {
    const stopping = gatewayPorts.close();
    await close();
    await Promise.all([control.close(), stopping]);
  };
  return proxy;
}

/** Open the proxy's listeners: plaintext, then TLS when configured. */
export async function listenProxy(proxy: ProxyServer, gateway: GatewayOptions): Promise<void> {
  // Traced from the first request on when tracing is configured.
  await tracing.get(proxy)?.settled();
  await proxy.listen(gateway.proxyListen);
  if (gateway.proxyListenTls !== undefined) await proxy.listenTls(gateway.proxyListenTls);
}

/** The listener addresses, as logged at start. */
export function listenerFields(gateway: GatewayOptions): Record<string, string> {
  const at = (a: { host: string; port: number }) => `${a.host}:${a.port}`;
  return {
    proxy: at(gateway.proxyListen),
    ...(gateway.proxyListenTls !== undefined ? { proxy_tls: at(gateway.proxyListenTls) } : {}),
    admin: at(gateway.adminListen),
    status: at(gateway.statusListen),
  };
}
