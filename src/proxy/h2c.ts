import type http from 'node:http';
import http2 from 'node:http2';
import type { Socket } from 'node:net';
import type { RequestHandlers } from './handler.js';
import { H2Sessions } from './h2-sessions.js';

/** RFC 9113 §3.4: the client connection preface of HTTP/2 with prior knowledge. */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/**
 * h2c with prior knowledge on the plaintext listener (`--proxy-h2c on`, docs/http2-grpc.md#h2c):
 * each new connection's first bytes are compared with the HTTP/2 preface; a match goes to an
 * http2 server, anything else to `server`'s own HTTP/1.1 connection handling. Per connection, not
 * per request, and only when enabled. The `Upgrade: h2c` dance is not offered (gRPC clients and
 * curl --http2-prior-knowledge do not need it; browsers never use h2c).
 */
/** A connection that sends nothing is closed after this long, as the HTTP/1.1 side's headersTimeout would. */
const FIRST_BYTES_TIMEOUT_MS = 60_000;

export function enableH2c(server: http.Server, handlers: RequestHandlers, sessions: H2Sessions, idleMs: number): http2.Http2Server {
  const h2 = http2.createServer();
  h2.on('request', handlers.http2);
  sessions.track(h2, idleMs);
  const http1 = server.listeners('connection') as Array<(this: http.Server, socket: Socket) => void>;
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    sniff(socket, (isH2) => {
      if (isH2) h2.emit('connection', socket);
      else for (const l of http1) l.call(server, socket);
    });
  });
  return h2;
}

/** Reads until the preface matched (true) or a byte differs (false), then puts the bytes back. */
function sniff(socket: Socket, done: (isH2: boolean) => void): void {
  let seen: Buffer | undefined;
  const finish = (isH2: boolean): void => {
    socket.off('data', onData);
    socket.off('error', onError);
    socket.off('end', onEnd);
    socket.off('timeout', onTimeout);
    socket.setTimeout(0);
    socket.pause();
    if (seen !== undefined) socket.unshift(seen);
    done(isH2);
    // HTTP/1.1 reads through a 'data' listener: flow again. An http2 session reads the buffered
    // bytes itself (socket.read() on its next tick), so the socket must stay paused for it.
    if (!isH2) socket.resume();
  };
  const onData = (chunk: Buffer): void => {
    seen = seen === undefined ? chunk : Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, PREFACE.length);
    const matches = seen.compare(PREFACE, 0, n, 0, n) === 0;
    if (!matches) finish(false);
    else if (seen.length >= PREFACE.length) finish(true);
  };
  const onError = (): void => {
    socket.destroy();
  };
  // Closed before deciding: let the HTTP/1.1 side see the bytes and the end (it answers 400 or nothing).
  const onEnd = (): void => finish(false);
  const onTimeout = (): void => {
    socket.destroy();
  };
  socket.setTimeout(FIRST_BYTES_TIMEOUT_MS, onTimeout);
  socket.on('data', onData);
  socket.on('error', onError);
  socket.on('end', onEnd);
}
