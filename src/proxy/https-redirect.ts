import type { ServerResponse } from 'node:http';
import { SERVER_HEADER } from './error-response.js';

/** Kong's exact 426 body (kong/runloop/handler.lua, access phase); no request_id, as Kong sends it. */
export const HTTPS_REQUIRED_BODY = '{"message":"Please use HTTPS protocol"}';

/**
 * A plaintext request matched an https-only route (docs/tls.md#protocols). `code` is the route's
 * https_redirect_status_code: 426 with Kong's body and Upgrade headers, or 301/302/307/308 to
 * https://<host><path and query> (nginx's $host: no port, as Kong builds it).
 */
export function sendHttpsRequired(res: ServerResponse, code: number, host: string, url: string, requestId: string, http2 = false): void {
  if (code === 426 && http2) {
    // h2c: no Connection/Upgrade headers exist in HTTP/2 (RFC 9113 §8.2.2); the body says it.
    res.writeHead(426, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(HTTPS_REQUIRED_BODY), 'x-request-id': requestId, server: SERVER_HEADER });
    res.end(HTTPS_REQUIRED_BODY);
    return;
  }
  if (code === 426) {
    // A user-set Connection header makes node keep the connection: say close when it must close
    // (the client asked, HTTP/1.0, or the shutdown drain).
    const closing = !res.shouldKeepAlive || res.getHeader('connection') === 'close';
    res.writeHead(426, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(HTTPS_REQUIRED_BODY),
      connection: closing ? 'Upgrade, close' : 'Upgrade',
      upgrade: 'TLS/1.2, HTTP/1.1',
      'x-request-id': requestId,
      server: SERVER_HEADER,
    });
    res.end(HTTPS_REQUIRED_BODY);
    return;
  }
  res.writeHead(code, { location: `https://${host}${url}`, 'content-length': 0, 'x-request-id': requestId, server: SERVER_HEADER });
  res.end();
}
