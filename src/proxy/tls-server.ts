import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SecureContextOptions } from 'node:tls';
import type { SnapshotStore } from '../snapshot/store.js';
import type { TlsCertificate } from '../snapshot/types.js';
import { SecureContextCache, TLS_SETTINGS } from './secure-contexts.js';
import { selectCertificate } from './sni.js';

export interface TlsProxyServerOptions {
  store: SnapshotStore;
  /** Served when no SNI names a certificate and there is no "*" one: a file pair or a self-signed one (docs/tls.md). */
  defaultCertificate: { cert: string; key: string };
  keepAliveTimeoutMs: number;
}

/**
 * The TLS proxy listener: the same request handler as the plaintext one (`req.socket.encrypted`
 * tells it the request came over TLS). The certificate is chosen per handshake from the snapshot
 * live at that moment, so a rotated certificate applies to the next handshake and established
 * connections keep theirs (docs/tls.md#rotation).
 */
export function createTlsProxyServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  opts: TlsProxyServerOptions,
): https.Server {
  const contexts = new SecureContextCache();
  const { store } = opts;
  const defaultOptions = (cert: TlsCertificate | undefined): SecureContextOptions => ({ ...TLS_SETTINGS, ...(cert ?? opts.defaultCertificate) });
  let catchAllHash = store.current()?.tls?.catchAll?.hash;
  const server = https.createServer(
    {
      ...defaultOptions(store.current()?.tls?.catchAll),
      keepAliveTimeout: opts.keepAliveTimeoutMs,
      // nginx's ssl_handshake_timeout (Kong's listener): a client that never finishes the handshake is cut.
      handshakeTimeout: 60_000,
      SNICallback: (servername, cb) => {
        const table = store.current()?.tls;
        const cert = table === undefined ? undefined : selectCertificate(table, servername);
        // No certificate: the server's own context (the "*" certificate, else the default one).
        cb(null, cert === undefined ? undefined : contexts.get(cert));
      },
    },
    handler,
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
