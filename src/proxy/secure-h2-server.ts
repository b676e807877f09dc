import http2, { type SecureServerOptions } from 'node:http2';
import https from 'node:https';
import type tls from 'node:tls';
import type { RequestHandlers } from './handler.js';
import type { H2Sessions } from './h2-sessions.js';

/**
 * The TLS proxy listener with HTTP/2 (docs/http2-grpc.md#tls): ALPN offers h2 and http/1.1 (node
 * sets that list itself for allowHTTP1), both served by the one handler; HTTP/1.1 requests arrive
 * as node:http objects. `secureOptions` carries the certificates (an SNICallback, a default cert)
 * and TLS versions/ciphers. With `http2: false` (`--proxy-http2 off`) it is a plain node:https
 * server: ALPN http/1.1 only, nothing of node:http2 involved.
 */
export function createSecureHttp2ProxyServer(
  handlers: RequestHandlers,
  secureOptions: SecureServerOptions,
  opts: { http2?: boolean; sessions?: H2Sessions; idleMs?: number } = {},
): tls.Server {
  const idleMs = opts.idleMs ?? 60_000;
  if (opts.http2 === false) {
    return https.createServer({ ...(secureOptions as https.ServerOptions), keepAliveTimeout: idleMs, ALPNProtocols: ['http/1.1'] }, handlers.http1);
  }
  const server = http2.createSecureServer({ ...secureOptions, allowHTTP1: true });
  server.on('request', (req, res) => {
    if (req.httpVersionMajor === 2) handlers.http2(req, res);
    else handlers.http1(req as never, res as never);
  });
  opts.sessions?.track(server, idleMs);
  return server;
}
