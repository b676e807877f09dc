import { ServerResponse, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { websocketMetrics, type TunnelEnd, type UpgradeOutcome, type WebSocketMetrics } from '../observability/websocket-metrics.js';
import { ERR, sendError } from './error-response.js';
import { ForwardHandler, hasRequestBody, relayedHeaders, type RelayContext } from './forward.js';
import { modifyHeaders } from './gateway-rule.js';
import { CLIENT_CLOSED, createProxyHandler, pickTarget, type Admitted, type HandlerDeps, type ProxyHandler } from './handler.js';
import { ReadDeadlines } from './read-deadlines.js';
import { requestIdFrom } from './request-id.js';
import { Tunnel } from './tunnel.js';
import type { UpstreamTarget } from '../snapshot/types.js';
import { classifyUpstreamError } from './upstream-errors.js';

/**
 * WebSocket upgrades (docs/websocket.md): node's 'upgrade' event, off the request handler's path.
 * An upgrade request is admitted exactly as any request (handler.ts's admit: route, host rules,
 * fail-closed check, jwt plugin, upstream headers), then sent to the target the route's
 * round-robin picks through the same undici pool (ws to http services, wss to https ones); a 101
 * is relayed and both sockets piped (tunnel.ts), any other answer is relayed as a response.
 */

export interface UpgradeHandlerOptions extends HandlerDeps {
  /** No byte either way for this long closes a tunnel (ms). Undefined: the service's read_timeout, as in Kong. 0: never. */
  idleTimeoutMs?: number;
}

export interface UpgradeHandler {
  /** WebSocket tunnels open now. */
  readonly open: number;
  /** Cut every tunnel and pending handshake (end of a drain). */
  closeAll(): void;
}

/** Bytes a client may send before the 101 that are held for the upstream; past this it is not read until then. */
const EARLY_DATA_MAX = 64 * 1024;

/** Nothing is ever added: upgrade handshakes use undici's own header/body timeouts (off the hot path). */
const UNWATCHED = new ReadDeadlines();

/** Attaches WebSocket proxying to a plaintext or TLS listener; `opts` are the request handler's deps. */
export function attachUpgradeHandler(server: HttpServer | HttpsServer, opts: UpgradeHandlerOptions): UpgradeHandler {
  const upgrades = new Upgrades(opts);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => upgrades.handle(req, socket as Socket, head));
  return upgrades;
}

/** `Upgrade: websocket` (a token of the header, any case). Anything else is proxied as a plain request, as Kong does. */
export function isWebSocketUpgrade(value: string | undefined): boolean {
  if (value === undefined) return false;
  for (const t of value.split(',')) if (t.trim().toLowerCase() === 'websocket') return true;
  return false;
}

/** A response written straight to an upgrade request's socket, then a FIN (node's parser is gone: no keep-alive). */
function responseOn(req: IncomingMessage, socket: Socket): ServerResponse {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  res.on('finish', () => {
    if (!socket.destroyed) socket.end(() => socket.destroy());
  });
  return res;
}

class Upgrades implements UpgradeHandler {
  readonly proxy: ProxyHandler;
  readonly ws: WebSocketMetrics | undefined;
  readonly live = new Set<WsUpgrade>();
  tunnels = 0;

  constructor(readonly opts: UpgradeHandlerOptions) {
    this.proxy = createProxyHandler(opts);
    this.ws = opts.metrics ? websocketMetrics(opts.metrics) : undefined;
  }

  get open(): number {
    return this.tunnels;
  }

  closeAll(): void {
    for (const u of this.live) u.destroy();
  }

  handle(req: IncomingMessage, socket: Socket, head: Buffer): void {
    // The http server took its listeners off the socket: errors would be uncaught. They end in 'close'.
    socket.on('error', () => socket.destroy());
    const res = responseOn(req, socket);
    // Kong forwards only `Upgrade: websocket`; any other upgrade is a plain request, Upgrade dropped.
    // Its body (if any) is past node's parser, in `head` and the socket: refused rather than lost.
    if (!isWebSocketUpgrade(req.headers.upgrade)) {
      if (hasRequestBody(req)) return sendError(res, 400, ERR.badRequest, requestIdFrom(req.headers['x-request-id']), req.headers.accept);
      return this.proxy.request(req, res);
    }
    this.opts.onStart?.();
    const u = new WsUpgrade(this, req, socket, head, res);
    this.live.add(u);
    u.start();
  }
}

/** One WebSocket upgrade request: admission, the upstream handshake, then its tunnel. */
class WsUpgrade implements RelayContext {
  x: Admitted | undefined = undefined;
  requestId = '';
  proxyLatencyHeader: string | undefined = undefined;
  upstreamLatencyMs: number | undefined = undefined;
  outcome: UpgradeOutcome | undefined = undefined;
  forward: UpgradeForward | undefined = undefined;
  tunnel: Tunnel | undefined = undefined;
  tries = 0;
  dispatchedAt = 0;
  /** The target last asked (access log `upstream_addr`). */
  target: UpstreamTarget | undefined = undefined;
  /** Upgrades are HTTP/1.1 (RFC 8441's extended CONNECT is not offered). */
  readonly h2 = false;
  /** What the client sent after its request, before the 101 (node hands the first of it over as `head`). */
  early: Buffer[];
  earlyBytes: number;
  readonly t0 = performance.now();
  /** Captured now: the socket may have no address left by the time the access log is written. */
  readonly clientIp: string | undefined;
  #done = false;

  constructor(
    readonly up: Upgrades,
    readonly req: IncomingMessage,
    readonly socket: Socket,
    head: Buffer,
    readonly res: ServerResponse,
  ) {
    this.clientIp = socket.remoteAddress;
    this.early = head.length > 0 ? [head] : [];
    this.earlyBytes = head.length;
  }

  /**
   * The client socket is read during the handshake, so a client that gives up (a FIN: node's
   * server sockets are half-open capable and would otherwise wait) is noticed and the upstream
   * handshake dropped; what it sends meanwhile is kept for the upstream.
   */
  readonly #onEarlyData = (chunk: Buffer): void => {
    this.early.push(chunk);
    this.earlyBytes += chunk.length;
    if (this.earlyBytes > EARLY_DATA_MAX) this.socket.pause();
  };

  readonly #onEarlyEnd = (): void => {
    // Gone while the upstream is still being asked (nginx: 499); an answer already underway is finished.
    if (!this.res.headersSent) this.socket.destroy();
  };

  start(): void {
    const socket = this.socket;
    socket.once('close', () => this.#clientClosed());
    socket.on('data', this.#onEarlyData);
    socket.on('end', this.#onEarlyEnd);
    const x = this.up.proxy.admit(this.req, this.res);
    this.x = x;
    this.requestId = x.requestId;
    // docs/jwks.md#unknown-kid: a token whose kid is new waits for the key set's refetch.
    if (x.authWait !== undefined) return this.up.proxy.admitAfterKeys(x, () => void (this.socket.destroyed || this.#admitted(x)));
    this.#admitted(x);
  }

  #admitted(x: Admitted): void {
    if (!x.admitted) {
      this.outcome = 'rejected';
      return;
    }
    if (hasRequestBody(this.req)) {
      // RFC 6455 §4.1: a GET; a body would already be past node's parser.
      this.outcome = 'rejected';
      return sendError(this.res, 400, ERR.badRequest, x.requestId, x.accept);
    }
    if (this.up.opts.latencyHeaders ?? true) this.proxyLatencyHeader = String(Math.round(performance.now() - this.t0));
    this.attempt();
  }

  attempt(): void {
    const x = this.x!;
    const upstream = x.upstream!;
    const forward = new UpgradeForward(this, this.res);
    this.forward = forward;
    this.dispatchedAt = performance.now();
    const target = pickTarget(upstream);
    this.target = target;
    try {
      this.up.opts.pools.get(upstream, target).dispatch(
        {
          path: x.upstreamPath,
          method: this.req.method ?? 'GET',
          headers: x.headers,
          upgrade: 'websocket',
          headersTimeout: upstream.readTimeoutMs,
          bodyTimeout: upstream.readTimeoutMs,
        },
        forward,
      );
    } catch {
      this.outcome = 'failed';
      sendError(this.res, 500, ERR.unexpected, x.requestId, x.accept);
    }
  }

  /** The upstream exchange failed before any answer: retry (connect phase) or answer 502/504, as handler.ts does. */
  onFailure(err: Error): void {
    if (this.socket.destroyed) return;
    const x = this.x!;
    const f = classifyUpstreamError(err);
    if (f.connectPhase && this.tries < x.upstream!.retries) {
      this.tries++;
      return this.attempt();
    }
    this.outcome = 'failed';
    sendError(this.res, f.status, f.message, x.requestId, x.accept);
  }

  /** The upstream switched protocols: relay its 101, then pipe. */
  upgraded(rawHeaders: Buffer[], upstreamSocket: Socket): void {
    const socket = this.socket;
    if (socket.destroyed) {
      upstreamSocket.destroy();
      return;
    }
    const x = this.x!;
    const upMs = performance.now() - this.dispatchedAt;
    this.upstreamLatencyMs = upMs;
    this.outcome = 'upgraded';
    // relayedHeaders drops hop-by-hop headers, Upgrade and Connection among them; a 101 needs both.
    // Kong's header_filter runs on the 101 too: cors, correlation-id's echo and rate-limiting's
    // headers, as on any response of the route (docs/websocket.md#the-handshake).
    const mod = x.responseHeaders;
    const relayed = mod === undefined ? relayedHeaders(rawHeaders, this, upMs) : modifyHeaders(relayedHeaders(rawHeaders, this, upMs), mod);
    let head = 'HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n';
    for (let i = 0; i + 1 < relayed.length; i += 2) head += `${relayed[i]}: ${relayed[i + 1]}\r\n`;
    this.res.detachSocket(socket);
    socket.off('data', this.#onEarlyData);
    socket.off('end', this.#onEarlyEnd);
    socket.write(`${head}\r\n`, 'latin1');
    for (const chunk of this.early) upstreamSocket.write(chunk);
    this.early = [];
    const ws = this.up.ws;
    ws?.upgrade(x.route, 'upgraded');
    ws?.open.inc();
    this.up.opts.metrics?.observe(x.route, 101, (performance.now() - this.t0) / 1000);
    this.up.tunnels++;
    const idleMs = this.up.opts.idleTimeoutMs ?? x.upstream!.readTimeoutMs;
    this.tunnel = new Tunnel(socket, upstreamSocket, idleMs, (reason, toUpstream, toClient) => this.#tunnelClosed(reason, toUpstream, toClient));
  }

  /** Shutdown past the drain deadline. */
  destroy(): void {
    if (this.tunnel) this.tunnel.destroy();
    else this.socket.destroy();
  }

  #clientClosed(): void {
    if (this.tunnel) return; // the tunnel accounts for itself
    this.forward?.abort(new Error('client closed the connection'));
    const res = this.res;
    const status = res.headersSent ? res.statusCode : CLIENT_CLOSED;
    const outcome = this.outcome ?? 'client_closed';
    this.up.ws?.upgrade(this.x?.route, outcome);
    this.up.opts.metrics?.observe(this.x?.route, status, (performance.now() - this.t0) / 1000);
    this.#log(status);
    this.#finish();
  }

  #tunnelClosed(reason: TunnelEnd, toUpstream: number, toClient: number): void {
    this.up.tunnels--;
    this.up.ws?.tunnelClosed(reason, toUpstream, toClient);
    this.#log(101);
    this.#finish();
  }

  /** Access log line: the status, and the whole duration (for a tunnel, until it closed). */
  #log(status: number): void {
    const log = this.up.opts.accessLog;
    if (log?.enabled !== true) return;
    const x = this.x;
    const url = this.req.url ?? '/';
    const q = url.indexOf('?');
    log.log({
      route: x?.route, method: this.req.method ?? '', rawPath: q === -1 ? url : url.slice(0, q), rawQuery: q === -1 ? '' : url.slice(q + 1),
      status, latencyMs: performance.now() - this.t0, upstreamLatencyMs: this.upstreamLatencyMs,
      requestId: x?.requestId ?? requestIdFrom(this.req.headers['x-request-id']), consumer: x?.consumer,
      clientIp: x?.clientIp ?? this.clientIp, reason: x?.reason, allRoutes: this.up.opts.store.current()?.routes,
      upstreamTarget: this.target, traceparent: this.req.headers.traceparent,
    });
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.up.live.delete(this);
    this.up.opts.onEnd?.();
  }
}

/**
 * The handshake's undici handler: a non-101 answer is relayed like any response (ForwardHandler),
 * a 101 hands the upstream socket over. Read timeouts are undici's here (headersTimeout/bodyTimeout),
 * not read-deadlines.ts's sweep: handshakes are rare next to requests.
 */
class UpgradeForward extends ForwardHandler {
  constructor(
    private readonly u: WsUpgrade,
    res: ServerResponse,
  ) {
    super(res, u, UNWATCHED, 0);
  }

  override onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode >= 200) this.u.outcome = 'refused';
    return super.onHeaders(statusCode, rawHeaders, resume, statusText);
  }

  override onConnect(abort: (err?: Error) => void): void {
    super.onConnect(abort);
    // Dispatched after the client left (queued in the pool meanwhile): do not ask the upstream.
    if (this.u.socket.destroyed) abort(new Error('client closed'));
  }

  onUpgrade(_statusCode: number, rawHeaders: Buffer[], socket: Socket): void {
    this.u.upgraded(rawHeaders, socket);
  }
}
