import type tls from 'node:tls';
import type { SecureContextOptions } from 'node:tls';
import type { SnapshotStore } from '../snapshot/store.js';
import type { TlsCertificate } from '../snapshot/types.js';
import { SecureContextCache, TLS_SETTINGS } from './secure-contexts.js';
import { selectCertificate } from './sni.js';
import type { RequestHandlers } from './handler.js';
import type { H2Sessions } from './h2-sessions.js';
import { createSecureHttp2ProxyServer } from './secure-h2-server.js';

export interface TlsProxyServerOptions {
  store: SnapshotStore;
  /** Served when no SNI names a certificate and there is no "*" one: a file pair or a self-signed one (docs/tls.md). */
  defaultCertificate: { cert: string; key: string };
  keepAliveTimeoutMs: number;
  /** Offer h2 by ALPN (default); false: http/1.1 only (--proxy-http2 off). */
  http2?: boolean;
  /** Where HTTP/2 sessions are tracked for GOAWAY on drain. */
  sessions?: H2Sessions;
}

/**
 * The TLS proxy listener: the same request handler as the plaintext one (`req.socket.encrypted`
 * tells it the request came over TLS). The certificate is chosen per handshake from the snapshot
 * live at that moment, so a rotated certificate applies to the next handshake and established
 * connections keep theirs (docs/tls.md#rotation).
 */
export function createTlsProxyServer(handlers: RequestHandlers, opts: TlsProxyServerOptions): tls.Server {
  const contexts = new SecureContextCache();
  const { store } = opts;
  const defaultOptions = (cert: TlsCertificate | undefined): SecureContextOptions => ({ ...TLS_SETTINGS, ...(cert ?? opts.defaultCertificate) });
  let catchAllHash = store.current()?.tls?.catchAll?.hash;
  const server = createSecureHttp2ProxyServer(
    handlers,
    {
      ...defaultOptions(store.current()?.tls?.catchAll),
      // nginx's ssl_handshake_timeout (Kong's listener): a client that never finishes the handshake is cut.
      handshakeTimeout: 60_000,
      SNICallback: (servername, cb) => {
        const table = store.current()?.tls;
        const cert = table === undefined ? undefined : selectCertificate(table, servername);
        // No certificate: the server's own context (the "*" certificate, else the default one).
        cb(null, cert === undefined ? undefined : contexts.get(cert));
      },
    },
    { http2: opts.http2 ?? true, sessions: opts.sessions, idleMs: opts.keepAliveTimeoutMs },
  );
  // Clients sending no SNI get the server's own context: keep it on the "*" certificate.
  const unsubscribe = store.onSwap((next) => {
    const all = next.tls?.all ?? [];
    contexts.retain(all);
    const catchAll = next.tls?.catchAll;
    if (catchAll?.hash !== catchAllHash) {
      catchAllHash = catchAll?.hash;
      try {
        server.setSecureContext(defaultOptions(catchAll));
      } catch {
        server.setSecureContext(defaultOptions(undefined));
      }
    }
  });
  server.once('close', unsubscribe);
  return server;
}
