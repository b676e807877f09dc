import type net from 'node:net';
import { NOT_PROXY, parseProxyHeader, type ProxyHeader } from './proxy-protocol-header.js';

/**
 * Kong's `proxy_listen … proxy_protocol`: every connection on the listener starts with a PROXY
 * protocol v1 or v2 header, read here before the server sees a byte (so before HTTP, and before
 * the TLS handshake on a TLS listener). As with nginx, the header is accepted from any peer;
 * whether its address is believed is the trusted-IPs decision (client-ip.ts, docs/client-ip.md).
 * A connection whose header is missing, malformed or later than the deadline is closed silently.
 */

export interface ProxyProtocolOptions {
  /** How long a new connection may take to deliver its whole header. */
  headerTimeoutMs: number;
  /** Told why each rejected connection was closed: its kind (a metric label) and the parser's words. */
  onReject?: (kind: RejectKind, reason: string) => void;
}

/** missing: the bytes are not a PROXY header at all; malformed: a broken one; timeout: too late. */
export type RejectKind = 'missing' | 'malformed' | 'timeout';

const TIMEOUT = 'header not received in time';

/**
 * Where a connection's header is kept: a property of its TCP socket, so that it is found through
 * every view of that socket, including node:http2's compat `req.socket` (a Proxy that forwards
 * property reads to the session's socket, for h2c as for h2 over TLS).
 */
const HEADER = Symbol('proxyProtocolHeader');
type WithHeader = { [HEADER]?: ProxyHeader; _parent?: WithHeader | null };

/**
 * The PROXY header of the connection under `socket` (a TCP socket, a TLSSocket over one, or an
 * HTTP/2 request's socket), or undefined when the listener does not use the protocol.
 */
export function proxyHeaderOf(socket: net.Socket): ProxyHeader | undefined {
  const s = socket as unknown as WithHeader;
  return s[HEADER] ?? s._parent?.[HEADER];
}

/** Connections whose header has not arrived yet: the server does not know them, so closing it must. */
export interface PendingProxyHeaders {
  destroyAll(): void;
}

/**
 * Puts the header reader in front of `server`'s own 'connection' listeners (http, https, tls or
 * http2 servers alike). Call it once the server's other 'connection' listeners are attached.
 */
export function requireProxyProtocol(server: net.Server, opts: ProxyProtocolOptions): PendingProxyHeaders {
  const listeners = server.listeners('connection') as Array<(socket: net.Socket) => void>;
  const pending = new Set<net.Socket>();
  server.removeAllListeners('connection');
  server.on('connection', (socket: net.Socket) => {
    pending.add(socket);
    socket.once('close', () => pending.delete(socket));
    readHeader(socket, opts, () => {
      pending.delete(socket);
      for (const l of listeners) l.call(server, socket);
      // An http server reads with a 'data' listener; a TLS server takes the handle over instead.
      if (socket.listenerCount('data') > 0 && socket.isPaused()) socket.resume();
    });
  });
  return {
    destroyAll() {
      for (const s of pending) s.destroy();
      pending.clear();
    },
  };
}

function readHeader(socket: net.Socket, opts: ProxyProtocolOptions, handOver: () => void): void {
  let buffered: Buffer | undefined;
  const cleanup = () => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('error', onGone);
    socket.off('close', onGone);
  };
  const reject = (reason: string) => {
    cleanup();
    opts.onReject?.(reason === TIMEOUT ? 'timeout' : reason === NOT_PROXY ? 'missing' : 'malformed', reason);
    socket.destroy();
  };
  const onGone = () => cleanup();
  const onData = (chunk: Buffer) => {
    buffered = buffered === undefined ? chunk : Buffer.concat([buffered, chunk]);
    const r = parseProxyHeader(buffered);
    if (r.kind === 'incomplete') return;
    if (r.kind === 'invalid') return reject(r.reason);
    cleanup();
    (socket as unknown as WithHeader)[HEADER] = r.header;
    // Paused before the rest goes back, so no byte is emitted while nobody listens.
    socket.pause();
    if (r.length < buffered.length) socket.unshift(buffered.subarray(r.length));
    handOver();
  };
  const timer = setTimeout(() => reject(TIMEOUT), opts.headerTimeoutMs);
  socket.on('data', onData);
  socket.on('error', onGone);
  socket.on('close', onGone);
}
