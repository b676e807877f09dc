import { isIP } from 'node:net';
import tls, { type PeerCertificate } from 'node:tls';
import { buildConnector } from 'undici';
import { DEFAULT_VERIFY_DEPTH } from '../model/upstream-tls.js';
import type { Logger } from '../observability/logger.js';
import type { Upstream, UpstreamTls } from '../snapshot/types.js';

/** Process-wide upstream TLS settings (docs/upstream-tls.md). */
export interface UpstreamTlsDefaults {
  /** Verify when a service leaves tls_verify unset (--upstream-tls-verify: on by default; Kong's is off). */
  verify: boolean;
  logger?: Logger;
}

/**
 * The one warning for an https upstream whose certificate is not verified, by its service's
 * tls_verify / Route's backend.tls.verify: false or by --upstream-tls-verify off (logged once per upstream).
 */
export function warnUnverified(upstream: Upstream, defaults: UpstreamTlsDefaults): void {
  const own = upstream.tls?.verify;
  if (own ?? defaults.verify) return;
  defaults.logger?.warn(
    { service: upstream.service, upstream: upstream.id },
    own === false
      ? 'upstream TLS certificate not verified: the service sets tls_verify: false (kong.yml) or the Route backend.tls.verify: false'
      : 'upstream TLS certificate not verified: started with --upstream-tls-verify off (Kong\'s default)',
  );
}

/** What to do about a certificate the gateway refused (docs/upstream-tls.md#the-default). */
export const VERIFY_FAILURE_HINT =
  "set tls_verify: false on the service, give it ca_certificates, or start with --upstream-tls-verify off (Kong's default)";

/** How often one pool logs the same TLS failure (a broken upstream fails on every connection). */
const LOG_EVERY_MS = 10_000;

/**
 * The TLS client side of one upstream (https or grpcs): its trust store, client certificate,
 * verification, verify depth and SNI override, built once per pool or HTTP/2 target (one
 * SecureContext, not one per handshake), and its rate-limited failure log. Handshake failures are
 * logged per pool, naming the upstream and OpenSSL's reason, never certificate contents.
 */
export interface UpstreamTlsClient {
  secureContext: tls.SecureContext;
  rejectUnauthorized: boolean;
  /** Set when verifying: the name (the Route's hostname, else the connection's SNI name) and the verify depth. */
  checkServerIdentity?: (host: string, cert: PeerCertificate) => Error | undefined;
  /** The Route's hostname as SNI ('' for an IP address: none, RFC 6066); undefined: the connection's own name. */
  servername: string | undefined;
  /** Logs a TLS failure of a connection (anything else is ignored). */
  report(err: Error): void;
}

export function upstreamTlsClient(upstream: Upstream, defaults: UpstreamTlsDefaults): UpstreamTlsClient {
  const t: UpstreamTls | undefined = upstream.tls;
  const verify = t?.verify ?? defaults.verify;
  const depth = t?.verifyDepth ?? DEFAULT_VERIFY_DEPTH;
  const secureContext = tls.createSecureContext({
    ...(t?.ca !== undefined ? { ca: [...t.ca] } : {}),
    ...(t?.cert !== undefined ? { cert: t.cert, key: t.key } : {}),
  });
  const log = defaults.logger;
  const lastLogged = new Map<string, number>();
  const report = (err: Error): void => {
    if (log === undefined || !isTlsFailure(err)) return;
    const reason = (err as { code?: string }).code ?? err.message;
    const now = Date.now();
    if (now - (lastLogged.get(reason) ?? -Infinity) < LOG_EVERY_MS) return;
    lastLogged.set(reason, now);
    const hint = verify && TLS_VERIFY_CODES.has(reason) ? { hint: VERIFY_FAILURE_HINT } : {};
    log.warn({ service: upstream.service, upstream: upstream.id, reason, message: err.message, ...hint }, 'upstream TLS handshake failed');
  };
  return {
    secureContext,
    rejectUnauthorized: verify,
    ...(verify
      ? { checkServerIdentity: (host: string, cert: PeerCertificate) => tls.checkServerIdentity(t?.serverName ?? host, cert) ?? depthError(cert, depth) }
      : {}),
    servername: t?.serverName === undefined ? undefined : isIP(t.serverName) ? '' : t.serverName,
    report,
  };
}

/**
 * The undici connector of one https pool (upstreamTlsClient's settings). SNI is undici's: the
 * Host header sent upstream (Kong's proxy_ssl_name $upstream_host; none for IP addresses), unless
 * the Route names a hostname.
 */
export function tlsConnector(upstream: Upstream, timeoutMs: number, defaults: UpstreamTlsDefaults): buildConnector.connector {
  const c = upstreamTlsClient(upstream, defaults);
  const base = buildConnector({
    timeout: timeoutMs,
    secureContext: c.secureContext,
    rejectUnauthorized: c.rejectUnauthorized,
    ...(c.checkServerIdentity ? { checkServerIdentity: c.checkServerIdentity } : {}),
  });
  const serverName = c.servername;
  return (opts, callback) => {
    base(serverName === undefined ? opts : { ...opts, servername: serverName }, (err, socket) => {
      if (err !== null) c.report(err);
      // TLS 1.3: a server that wants a client certificate says so after the client's handshake is done.
      else socket.once('error', c.report);
      (callback as (e: Error | null, s: typeof socket) => void)(err, socket);
    });
  };
}

/** Errors about the TLS handshake: certificate verification (OpenSSL codes), hostname, alerts. */
export function isTlsFailure(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (TLS_VERIFY_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'));
}

/** OpenSSL's X509_V_ERR_* names as node reports them for a failed verification. */
export const TLS_VERIFY_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_CRL', 'UNABLE_TO_DECRYPT_CERT_SIGNATURE', 'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY', 'CERT_SIGNATURE_FAILURE', 'CRL_SIGNATURE_FAILURE', 'CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID', 'CRL_HAS_EXPIRED', 'ERROR_IN_CERT_NOT_BEFORE_FIELD', 'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD', 'ERROR_IN_CRL_NEXT_UPDATE_FIELD', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_CHAIN_TOO_LONG', 'CERT_REVOKED', 'INVALID_CA',
  'PATH_LENGTH_EXCEEDED', 'INVALID_PURPOSE', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'HOSTNAME_MISMATCH', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * OpenSSL's verify depth, which Kong's tls_verify_depth sets: at most `depth` intermediate CAs
 * between the certificate and the trust anchor. node completes the chain it reports with the
 * trusted root (its issuerCertificate is itself), so intermediates = chain length - 2.
 */
export function depthError(leaf: PeerCertificate, depth: number): Error | undefined {
  let n = 1;
  let c = leaf as tls.DetailedPeerCertificate;
  const seen = new Set<string>([c.fingerprint256]);
  while (c.issuerCertificate !== undefined && c.issuerCertificate !== c && !seen.has(c.issuerCertificate.fingerprint256)) {
    c = c.issuerCertificate;
    seen.add(c.fingerprint256);
    n++;
  }
  const rootIncluded = c.issuerCertificate === c || c.issuerCertificate?.fingerprint256 === c.fingerprint256;
  const intermediates = rootIncluded ? n - 2 : n - 1;
  if (intermediates <= depth) return undefined;
  return Object.assign(new Error(`certificate chain too long: ${intermediates} intermediate CAs, tls_verify_depth allows ${depth}`), {
    code: 'CERT_CHAIN_TOO_LONG',
  });
}
