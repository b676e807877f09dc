import type { ListenAddress } from '../model/listen-address.js';
import type { ClientIpSettings, ProxyListenAddress } from '../model/client-ip-settings.js';
import type { TracingSettings } from '../model/tracing-config.js';

/** Options shared by the two serving modes (standalone and controller); parsed in cli/gateway-options.ts. */
export interface GatewayOptions {
  /** With Kong's `proxy_protocol` flag: every connection starts with a PROXY protocol header. */
  proxyListen: ProxyListenAddress;
  /** Trusted proxies and the real client IP (docs/client-ip.md). */
  clientIp?: ClientIpSettings;
  /** The TLS proxy listener (docs/tls.md), optionally with `proxy_protocol`; undefined: `--proxy-listen-tls off`. */
  proxyListenTls?: ProxyListenAddress | undefined;
  /** PEM files of the TLS listener's default certificate; undefined: a self-signed one made at start. */
  defaultCertificate?: { certFile: string; keyFile: string } | undefined;
  adminListen: ListenAddress;
  statusListen: ListenAddress;
  /** Extra Host names the admin and status listeners answer (besides localhost and IPs). */
  adminAllowedHosts: string[];
  /** POST /debug/explain on the admin listener (docs/explain.md); default on. */
  adminExplain?: boolean;
  accessLog: boolean;
  /** Share of successful requests (2xx/3xx, not refused) the access log keeps, 0..1 (docs/access-log.md#sampling); undefined: 1. */
  accessLogSampleSuccess?: number;
  logLevel: string;
  /** Seconds to drain in-flight requests on SIGTERM. */
  drainSeconds: number;
  /**
   * Seconds between SIGTERM and the drain during which the proxy still accepts connections
   * (answered with `connection: close`) while /readyz says 503, so clients whose endpoints are
   * not yet updated are not refused.
   */
  shutdownDelaySeconds: number;
  /** Extra worker processes sharing the proxy port (0 = single process). */
  workers: number;
  /** Request header names containing "_": dropped (nginx's default) or forwarded (protected spellings never). */
  underscoreHeaders: 'drop' | 'keep';
  /** Heap bytes the pod's verified-token caches may hold together; undefined = derived from the heap limit. */
  tokenCacheBytes: number | undefined;
  /** WebSocket tunnel idle timeout (ms); undefined = each service's read_timeout, as in Kong; 0 = never. */
  websocketIdleTimeoutMs?: number | undefined;
  /** Verify https upstreams whose service leaves tls_verify unset (default on; Kong's: off). docs/upstream-tls.md. */
  upstreamTlsVerify?: boolean;
  /** Accept HTTP/2 with prior knowledge (h2c) on the plaintext proxy listener (docs/http2-grpc.md). */
  proxyH2c: boolean;
  /** Offer h2 by ALPN on the TLS proxy listener (docs/http2-grpc.md). */
  proxyHttp2: boolean;
  /** Fetch JWKS and OIDC discovery over plain http too (tests; docs/jwks.md). Default off: https only. */
  jwksAllowHttp?: boolean;
  /** OpenTelemetry export from the --otel-* flags (docs/tracing.md); undefined: kong.yml's plugin, if any. */
  tracing?: TracingSettings;
}

/** What a mode hands the runtime (runtime/gateway.ts). */
export interface GatewayRuntimeOptions {
  gateway: GatewayOptions;
  mode: 'standalone' | 'controller';
  adminExposeSecrets: boolean;
  /** Called first on shutdown (e.g. stop watches, release the Lease). */
  beforeClose?: () => Promise<void>;
}
