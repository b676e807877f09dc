import { parseAllowedHosts } from '../model/host-allowlist.js';
import { parseListenAddress } from '../model/listen-address.js';
import { checkProxyProtocolHeader, parseOnOff, parseProxyListen, parseRealIpHeader, parseTrustedIps } from '../model/client-ip-settings.js';
import { UsageError } from '../model/usage-error.js';
import { parseSampleRatio } from './access-log-options.js';
import { OTEL_FLAGS, tracingOptions } from './otel-options.js';
import type { GatewayOptions } from '../runtime/options.js';

/** Flag → env var → default, as the README's listener table documents. */
export const GATEWAY_FLAGS = {
  'proxy-listen': { type: 'string', env: 'PORTCULLIS_PROXY_LISTEN', default: '0.0.0.0:8000' },
  'proxy-listen-tls': { type: 'string', env: 'PORTCULLIS_PROXY_LISTEN_TLS', default: '0.0.0.0:8443' },
  'default-certificate': { type: 'string', env: 'PORTCULLIS_DEFAULT_CERTIFICATE', default: '' },
  'admin-listen': { type: 'string', env: 'PORTCULLIS_ADMIN_LISTEN', default: '127.0.0.1:8001' },
  'status-listen': { type: 'string', env: 'PORTCULLIS_STATUS_LISTEN', default: '0.0.0.0:8100' },
  'admin-allowed-hosts': { type: 'string', env: 'PORTCULLIS_ADMIN_ALLOWED_HOSTS', default: '' },
  // docs/explain.md#the-admin-endpoint: who can reach the admin listener may ask why a request is refused.
  'admin-explain': { type: 'string', env: 'PORTCULLIS_ADMIN_EXPLAIN', default: 'on' },
  'access-log': { type: 'string', env: 'PORTCULLIS_ACCESS_LOG', default: 'on' },
  // docs/access-log.md#sampling: share of 2xx/3xx lines kept; every other line always is.
  'access-log-sample-success': { type: 'string', env: 'PORTCULLIS_ACCESS_LOG_SAMPLE_SUCCESS', default: '1' },
  'log-level': { type: 'string', env: 'PORTCULLIS_LOG_LEVEL', default: 'info' },
  'drain-seconds': { type: 'string', env: 'PORTCULLIS_DRAIN_SECONDS', default: '10' },
  // 0 on the CLI: a local run (and Ctrl-C) stops at once; the Helm chart sets a delay.
  'shutdown-delay': { type: 'string', env: 'PORTCULLIS_SHUTDOWN_DELAY', default: '0' },
  workers: { type: 'string', env: 'PORTCULLIS_WORKERS', default: '0' },
  'underscore-headers': { type: 'string', env: 'PORTCULLIS_UNDERSCORE_HEADERS', default: 'drop' },
  'token-cache-bytes': { type: 'string', env: 'PORTCULLIS_TOKEN_CACHE_BYTES', default: 'auto' },
  // "service": the service's read_timeout, as Kong (nginx proxy_read_timeout) closes idle WebSockets.
  'websocket-idle-timeout': { type: 'string', env: 'PORTCULLIS_WEBSOCKET_IDLE_TIMEOUT', default: 'service' },
  // on, unlike Kong: secure by default, as before upstream TLS settings existed (docs/upstream-tls.md#the-default).
  'upstream-tls-verify': { type: 'string', env: 'PORTCULLIS_UPSTREAM_TLS_VERIFY', default: 'on' },
  // docs/http2-grpc.md: h2c (prior knowledge) on the plaintext listener; h2 via ALPN on the TLS one.
  'proxy-h2c': { type: 'string', env: 'PORTCULLIS_PROXY_H2C', default: 'off' },
  'proxy-http2': { type: 'string', env: 'PORTCULLIS_PROXY_HTTP2', default: 'on' },
  // Kong's trusted_ips, real_ip_header, real_ip_recursive (docs/client-ip.md).
  'trusted-ips': { type: 'string', env: 'PORTCULLIS_TRUSTED_IPS', default: '' },
  'real-ip-header': { type: 'string', env: 'PORTCULLIS_REAL_IP_HEADER', default: 'X-Real-IP' },
  'real-ip-recursive': { type: 'string', env: 'PORTCULLIS_REAL_IP_RECURSIVE', default: 'off' },
  // docs/jwks.md: JWKS and OIDC discovery over https only unless this is on (tests, loopback sidecars).
  'jwks-allow-http': { type: 'string', env: 'PORTCULLIS_JWKS_ALLOW_HTTP', default: 'off' },
  // docs/tracing.md#flags: OpenTelemetry export (cli/otel-options.ts).
  ...OTEL_FLAGS,
} as const;

export type GatewayFlagName = keyof typeof GATEWAY_FLAGS;

export function resolveFlag(
  values: Record<string, unknown>,
  name: GatewayFlagName,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const spec = GATEWAY_FLAGS[name];
  const v = values[name];
  return typeof v === 'string' ? v : (env[spec.env] ?? spec.default);
}

export function gatewayOptions(values: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): GatewayOptions {
  const get = (name: GatewayFlagName) => resolveFlag(values, name, env);
  const accessLog = get('access-log');
  if (accessLog !== 'on' && accessLog !== 'off') throw new UsageError(`--access-log: expected on or off, got '${accessLog}'`);
  const underscoreHeaders = get('underscore-headers');
  if (underscoreHeaders !== 'drop' && underscoreHeaders !== 'keep') {
    throw new UsageError(`--underscore-headers: expected drop or keep, got '${underscoreHeaders}'`);
  }
  const upstreamTlsVerify = get('upstream-tls-verify');
  if (upstreamTlsVerify !== 'on' && upstreamTlsVerify !== 'off') {
    throw new UsageError(`--upstream-tls-verify: expected on or off, got '${upstreamTlsVerify}'`);
  }
  const proxyListen = parseProxyListen(get('proxy-listen'), '--proxy-listen');
  const tlsListener = tlsListenerOptions(get('proxy-listen-tls'), get('default-certificate'));
  const clientIp = {
    trustedIps: parseTrustedIps(get('trusted-ips'), '--trusted-ips'),
    realIpHeader: parseRealIpHeader(get('real-ip-header'), '--real-ip-header'),
    realIpRecursive: parseOnOff(get('real-ip-recursive'), '--real-ip-recursive'),
  };
  const tracing = tracingOptions(get, env);
  const proxyListeners = tlsListener.proxyListenTls === undefined ? [proxyListen] : [proxyListen, tlsListener.proxyListenTls];
  checkProxyProtocolHeader(clientIp, proxyListeners, '--real-ip-header');
  return {
    proxyListen,
    clientIp,
    ...tlsListener,
    adminListen: parseListenAddress(get('admin-listen'), '--admin-listen'),
    statusListen: parseListenAddress(get('status-listen'), '--status-listen'),
    adminAllowedHosts: parseAllowedHosts(get('admin-allowed-hosts'), '--admin-allowed-hosts'),
    adminExplain: onOff(get('admin-explain'), '--admin-explain'),
    accessLog: accessLog === 'on',
    accessLogSampleSuccess: parseSampleRatio(get('access-log-sample-success'), '--access-log-sample-success'),
    logLevel: get('log-level'),
    drainSeconds: nonNegativeInt(get('drain-seconds'), '--drain-seconds'),
    shutdownDelaySeconds: nonNegativeInt(get('shutdown-delay'), '--shutdown-delay'),
    workers: nonNegativeInt(get('workers'), '--workers'),
    underscoreHeaders,
    tokenCacheBytes: byteSize(get('token-cache-bytes'), '--token-cache-bytes'),
    websocketIdleTimeoutMs: idleTimeout(get('websocket-idle-timeout'), '--websocket-idle-timeout'),
    upstreamTlsVerify: upstreamTlsVerify === 'on',
    proxyH2c: onOff(get('proxy-h2c'), '--proxy-h2c'),
    proxyHttp2: onOff(get('proxy-http2'), '--proxy-http2'),
    jwksAllowHttp: onOff(get('jwks-allow-http'), '--jwks-allow-http'),
    ...(tracing !== undefined ? { tracing } : {}),
  };
}

function onOff(value: string, flag: string): boolean {
  if (value !== 'on' && value !== 'off') throw new UsageError(`${flag}: expected on or off, got '${value}'`);
  return value === 'on';
}

/**
 * `--proxy-listen-tls off` disables the TLS listener; 'HOST:PORT proxy_protocol' reads a PROXY
 * header before the handshake (docs/client-ip.md); `--default-certificate CERT_FILE,KEY_FILE` (docs/tls.md).
 */
function tlsListenerOptions(listen: string, defaultCertificate: string): Pick<GatewayOptions, 'proxyListenTls' | 'defaultCertificate'> {
  const proxyListenTls = listen === 'off' ? undefined : parseProxyListen(listen, '--proxy-listen-tls');
  if (defaultCertificate === '') return { proxyListenTls, defaultCertificate: undefined };
  const parts = defaultCertificate.split(',');
  if (parts.length !== 2 || parts.some((p) => p.trim() === '')) {
    throw new UsageError(`--default-certificate: expected CERT_FILE,KEY_FILE (PEM files), got '${defaultCertificate}'`);
  }
  return { proxyListenTls, defaultCertificate: { certFile: parts[0]!.trim(), keyFile: parts[1]!.trim() } };
}

const BYTE_UNITS: Record<string, number> = { '': 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };

/** "auto" → undefined; otherwise bytes, optionally with a Ki/Mi/Gi suffix as in Kubernetes quantities. */
function byteSize(value: string, flag: string): number | undefined {
  if (value === 'auto') return undefined;
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(value);
  const n = m ? Number(m[1]) * BYTE_UNITS[m[2] ?? '']! : NaN;
  if (!Number.isSafeInteger(n)) throw new UsageError(`${flag}: expected auto or a byte count such as 33554432, 32768Ki or 32Mi, got '${value}'`);
  return n;
}

/** "service" → undefined (each service's read_timeout); else a duration (90, 90s, 15m, 1h) in ms, 0 = never. */
function idleTimeout(value: string, flag: string): number | undefined {
  if (value === 'service') return undefined;
  const m = /^(\d+)(s|m|h)?$/.exec(value);
  if (!m) throw new UsageError(`${flag}: expected service or a duration such as 60, 90s, 15m or 1h, got '${value}'`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's']!;
}

function nonNegativeInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag}: expected a non-negative integer, got '${value}'`);
  return n;
}
