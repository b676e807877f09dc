import http from 'node:http';
import type { SecureServerOptions } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type tls from 'node:tls';
import type { SnapshotStore } from '../snapshot/store.js';
import type { AccessLog, Logger } from '../observability/logger.js';
import { closeRedisStores, setRateLimitStoreLog } from '../plugins/rate-limiting/redis-counters.js';
import type { RejectionRecorder } from '../observability/rejections.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { createRequestHandlers, type HandlerDeps, type RequestHandlers } from './handler.js';
import { attachUpgradeHandler } from './upgrade.js';
import { enableH2c } from './h2c.js';
import { H2Sessions } from './h2-sessions.js';
import { createSecureHttp2ProxyServer } from './secure-h2-server.js';
import type { ListenAddress } from '../model/listen-address.js';
import { UpstreamPools, type PoolOptions } from './upstream-pools.js';
import { retainTickObjectShape } from './tick-object-shape.js';
import { createTlsProxyServer } from './tls-server.js';
import type { ClientIpSettings } from '../model/client-ip-settings.js';
import { createClientIpResolver } from './client-ip.js';
import { requireProxyProtocol, type PendingProxyHeaders, type RejectKind } from './proxy-protocol.js';
import type { TracerSlot } from './request-tracer.js';

// At module load, i.e. before the first configuration is parsed (see tick-object-shape.ts).
retainTickObjectShape();

/** The one thing the proxy tells the rest of the process about shutdown (the runtime wires it). */
export interface ShutdownSignal {
  markShuttingDown(): void;
}

export interface ProxyServerOptions {
  store: SnapshotStore;
  /** Forward header names containing "_" (see forward-headers.ts); off by default, as in nginx. */
  keepUnderscoreHeaders?: boolean;
  metrics?: GatewayMetrics;
  accessLog?: AccessLog;
  /** The status page's ring of refused requests (docs/status-page.md). */
  rejections?: RejectionRecorder;
  logger?: Logger;
  /** Told first when close() starts: src/health's Readiness, so /readyz fails before the drain. */
  readiness?: ShutdownSignal;
  /** Shared pools (default: a private set, closed with the server). */
  pools?: UpstreamPools;
  poolOptions?: PoolOptions;
  /** How long close() waits for in-flight requests before cutting connections. Default 10 s. */
  drainTimeoutMs?: number;
  nowSeconds?: () => number;
  latencyHeaders?: boolean;
  /** Client keep-alive idle timeout (ms). Default 60 s, like Kong's keepalive_timeout. */
  keepAliveTimeoutMs?: number;
  /** WebSocket tunnel idle timeout (ms); undefined: the service's read_timeout (Kong); 0: none (upgrade.ts). */
  websocketIdleTimeoutMs?: number;
  /** Also accept HTTP/2 with prior knowledge (h2c) on this listener (h2c.ts). Default off. */
  h2c?: boolean;
  /**
   * A second, TLS listener with the same handler (docs/tls.md); absent: plaintext only. It offers
   * h2 and http/1.1 by ALPN unless `http2` is false (docs/http2-grpc.md#tls).
   */
  tls?: { defaultCertificate: { cert: string; key: string }; http2?: boolean; proxyProtocol?: boolean };
  /** Trusted proxies and where the real client IP comes from (docs/client-ip.md); default: none trusted. */
  clientIp?: ClientIpSettings;
  /**
   * Every connection starts with a PROXY protocol header (Kong's `proxy_listen … proxy_protocol`);
   * for the TLS listener it is `tls.proxyProtocol` (the header precedes the ClientHello).
   */
  proxyProtocol?: boolean;
  /** How long a connection may take to send its PROXY header. Default 60 s, nginx's client_header_timeout. */
  proxyHeaderTimeoutMs?: number;
}


export interface ProxyServer extends TracerSlot {
  server: http.Server;
  /** The TLS listener, when `tls` was given. */
  tlsServer: tls.Server | undefined;
  pools: UpstreamPools;
  /** The handler's HTTP/1.x and HTTP/2 entries, for a TLS listener sharing this one's state (secure-h2-server.ts). */
  handlers: RequestHandlers;
  /** HTTP/2 sessions (h2c here, and those of a TLS listener that tracks into it): GOAWAY on close. */
  h2Sessions: H2Sessions;
  /**
   * A TLS listener's server sharing this proxy's handler, pools and HTTP/2 session draining: h2 and
   * http/1.1 by ALPN, http/1.1 only with `http2: false` (docs/http2-grpc.md#tls). The caller listens and closes it.
   */
  secureServer(secureOptions: SecureServerOptions, opts?: { http2?: boolean }): tls.Server;
  listen(addr: ListenAddress): Promise<AddressInfo>;
  listenTls(addr: ListenAddress): Promise<AddressInfo>;
  /**
   * Shutdown delay: keep accepting, but answer every request (also the next one on a kept-alive
   * connection) with `connection: close`, so clients reconnect elsewhere.
   */
  endKeepAlive(): void;
  /** Graceful: readiness off, stop accepting, drain in-flight (up to drainTimeoutMs), close pools. */
  close(): Promise<void>;
  readonly inFlight: number;
}


export function listenOn(server: http.Server | tls.Server, addr: ListenAddress): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once('error', onError);
    server.listen(addr.port, addr.host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** The proxy listener: plain node:http, one handler, no framework on the hot path. */
export function createProxyServer(opts: ProxyServerOptions): ProxyServer {
  // rate-limiting's Redis outages and recoveries, once each (docs/rate-limiting.md#redis-outages).
  if (opts.logger !== undefined) setRateLimitStoreLog(opts.logger);
  const pools = opts.pools ?? new UpstreamPools(opts.poolOptions);
  const ownPools = opts.pools === undefined;
  let inFlight = 0;
  let draining = false;
  let keepAliveEnded = false;
  let drained: (() => void) | undefined;

  const deps: HandlerDeps = {
    store: opts.store,
    keepUnderscoreHeaders: opts.keepUnderscoreHeaders,
    clientIps: createClientIpResolver(opts.clientIp),
    pools,
    metrics: opts.metrics,
    accessLog: opts.accessLog,
    rejections: opts.rejections,
    nowSeconds: opts.nowSeconds,
    latencyHeaders: opts.latencyHeaders,
    onStart: () => {
      inFlight++;
    },
    onEnd: () => {
      inFlight--;
      if (draining && inFlight === 0) drained?.();
    },
    isDraining: () => draining || keepAliveEnded,
  };
  const handlers = createRequestHandlers(deps);

  const keepAliveTimeout = opts.keepAliveTimeoutMs ?? 60_000;
  const server = http.createServer({ keepAliveTimeout }, handlers.http1);
  const h2Sessions = new H2Sessions();
  if (opts.h2c === true) enableH2c(server, handlers, h2Sessions, keepAliveTimeout);
  // WebSocket tunnels count as in flight (deps.onStart/onEnd): the drain waits for them, then cuts them.
  const upgradeOptions = { ...deps, idleTimeoutMs: opts.websocketIdleTimeoutMs };
  const upgrades = [attachUpgradeHandler(server, upgradeOptions)];
  server.headersTimeout = 60_000;
  server.requestTimeout = 0; // long uploads/downloads are the upstream's business; read timeouts apply upstream
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  const tlsServer = opts.tls
    ? createTlsProxyServer(handlers, { store: opts.store, keepAliveTimeoutMs: keepAliveTimeout, sessions: h2Sessions, ...opts.tls })
    : undefined;
  // The TLS listener may be an HTTP/2 server, which has no closeAllConnections: its HTTP/1.1
  // connections are tracked here and cut at the end of the drain.
  const tlsSockets = new Set<tls.TLSSocket>();
  // HTTP/1.1 upgrades on the TLS listener (node:http2's allowHTTP1 hands those sockets to node:http,
  // which emits 'upgrade' on the http2 server too): wss to the gateway, x.tls set by admit().
  if (tlsServer) upgrades.push(attachUpgradeHandler(tlsServer as unknown as http.Server, upgradeOptions));
  tlsServer?.on('secureConnection', (socket: tls.TLSSocket) => {
    tlsSockets.add(socket);
    socket.once('close', () => tlsSockets.delete(socket));
  });
  // Last, so the header is read before the servers' own connection listeners run (HTTP, TLS handshake).
  const proxyProtocolOptions = {
    headerTimeoutMs: opts.proxyHeaderTimeoutMs ?? 60_000,
    onReject: (kind: RejectKind, reason: string) => {
      opts.metrics?.proxyProtocolRejections.inc({ reason: kind });
      opts.logger?.debug({ reason }, 'PROXY protocol: connection closed');
    },
  };
  const pendingHeaders: PendingProxyHeaders[] = [];
  if (opts.proxyProtocol === true) pendingHeaders.push(requireProxyProtocol(server, proxyProtocolOptions));
  if (tlsServer && opts.tls?.proxyProtocol === true) pendingHeaders.push(requireProxyProtocol(tlsServer, proxyProtocolOptions));
  // Drop upstream pools nobody routes to any more after a swap.
  const unsubscribe = opts.store.onSwap((next) => pools.retain(next.routes.map((r) => r.upstream)));

  let closing: Promise<void> | undefined;
  return {
    server,
    tlsServer,
    pools,
    handlers,
    h2Sessions,
    secureServer: (secureOptions, o = {}) =>
      createSecureHttp2ProxyServer(handlers, secureOptions, { http2: o.http2, sessions: h2Sessions, idleMs: opts.keepAliveTimeoutMs ?? 60_000 }),
    listen: (addr) => listenOn(server, addr),
    listenTls: (addr) => {
      if (!tlsServer) return Promise.reject(new Error('no TLS listener configured'));
      return listenOn(tlsServer, addr);
    },
    get inFlight() {
      return inFlight;
    },
    // docs/tracing.md: every entry (HTTP/1.x, HTTP/2, TLS, upgrades) and the shared pools at once.
    setTracer(tracer) {
      deps.tracer = tracer;
      upgradeOptions.tracer = tracer;
      pools.tracer = tracer?.upstream;
    },
    endKeepAlive() {
      keepAliveEnded = true;
    },
    close() {
      closing ??= (async () => {
        opts.readiness?.markShuttingDown();
        draining = true;
        unsubscribe();
        const servers: Array<http.Server | tls.Server> = tlsServer ? [server, tlsServer] : [server];
        const stopped = Promise.all(servers.map((s) => new Promise<void>((r) => (s.listening ? s.close(() => r()) : r()))));
        server.closeIdleConnections();
        (tlsServer as { closeIdleConnections?: () => void } | undefined)?.closeIdleConnections?.();
        h2Sessions.closeIdle();
        // Connections still sending their PROXY header carry no request yet: idle as well.
        for (const p of pendingHeaders) p.destroyAll();
        if (inFlight > 0) {
          const timeoutMs = opts.drainTimeoutMs ?? 10_000;
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, timeoutMs);
            t.unref();
            drained = () => {
              clearTimeout(t);
              resolve();
            };
          });
          if (inFlight > 0) opts.logger?.warn({ inFlight }, 'drain timeout: closing remaining connections');
        }
        server.closeAllConnections();
        for (const u of upgrades) u.closeAll();
        h2Sessions.destroyAll();
        for (const socket of tlsSockets) socket.destroy();
        await stopped;
        if (ownPools) await pools.close();
        // rate-limiting's Redis connections would keep the process alive after the drain.
        closeRedisStores();
        opts.accessLog?.flush();
      })();
      return closing;
    },
  };
}
