import http2, { type Http2SecureServer, type SecureServerOptions } from 'node:http2';
import type { RequestHandlers } from './handler.js';
import type { H2Sessions } from './h2-sessions.js';

/**
 * The TLS proxy listener with HTTP/2 (docs/http2-grpc.md#tls): ALPN offers h2 and http/1.1, both
 * served by the one handler (HTTP/1.1 requests arrive as node:http objects thanks to allowHTTP1).
 * `secureOptions` carries the certificates (an SNICallback, a default cert) and TLS versions/ciphers.
 * With `http2: false` only http/1.1 is offered (`--proxy-http2 off`).
 */
export function createSecureHttp2ProxyServer(
  handlers: RequestHandlers,
  secureOptions: SecureServerOptions,
  opts: { http2?: boolean; sessions?: H2Sessions; idleMs?: number } = {},
): Http2SecureServer {
  const server = http2.createSecureServer({
    ...secureOptions,
    allowHTTP1: true,
    ALPNProtocols: opts.http2 === false ? ['http/1.1'] : ['h2', 'http/1.1'],
  });
  server.on('request', (req, res) => {
    if (req.httpVersionMajor === 2) handlers.http2(req, res);
    else handlers.http1(req as never, res as never);
  });
  opts.sessions?.track(server, opts.idleMs ?? 60_000);
  return server;
}
