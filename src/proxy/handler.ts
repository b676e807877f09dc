import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SnapshotStore } from '../snapshot/store.js';
import type { CompiledRoute, Consumer, MatchInput, Upstream, UpstreamTarget } from '../snapshot/types.js';
import type { AccessLog } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { UpstreamPools } from './upstream-pools.js';
import { ERR, sendAuthRejection, sendError } from './error-response.js';
import { ForwardHandler, VIA_TOKEN, hasRequestBody, type RelayContext } from './forward.js';
import { buildUpstreamHeaders } from './forward-headers.js';
import type { ClientIpResolver } from './client-ip.js';
import { escapeUpstreamPath, joinUpstreamPath, normalizePath } from './paths.js';
import { ReadDeadlines } from './read-deadlines.js';
import { hostWithoutPort } from './host-header.js';
import { requestIdFrom } from './request-id.js';
import { classifyUpstreamError } from './upstream-errors.js';

export interface HandlerDeps {
  store: SnapshotStore;
  pools: UpstreamPools;
  /** Forward header names containing "_" (see forward-headers.ts); off by default, as in nginx. */
  keepUnderscoreHeaders?: boolean;
  /** Trusted proxies and the real client IP (client-ip.ts); undefined: none trusted, the peer is the client. */
  clientIps?: ClientIpResolver;
  metrics?: GatewayMetrics;
  accessLog?: AccessLog;
  /** Seconds since the epoch, for exp/nbf (injectable for tests). */
  nowSeconds?: () => number;
  /** Emit X-Portcullis-Upstream-Latency / X-Portcullis-Proxy-Latency (Kong's X-Kong-* analogues). */
  latencyHeaders?: boolean;
  /** Hooks for graceful shutdown: in-flight accounting and connection: close while draining. */
  onStart?: () => void;
  onEnd?: () => void;
  isDraining?: () => boolean;
}

export { VIA_TOKEN };
/** Status recorded when the client disconnects before a response (nginx's convention). */
export const CLIENT_CLOSED = 499;

const rrIndex = new WeakMap<Upstream, number>();

/** Round-robin target choice, per upstream (one target, as every kong.yml service has: no counter). */
function pickTarget(u: Upstream): UpstreamTarget {
  if (u.targets.length === 1) return u.targets[0]!;
  const i = rrIndex.get(u) ?? 0;
  rrIndex.set(u, i + 1);
  return u.targets[i % u.targets.length]!;
}


/**
 * Everything one request needs after the handler returns, in one object: it is the router's
 * MatchInput, the response relay's RelayContext and the 'close' listener's state (one allocation
 * instead of a closure per callback).
 */
class Exchange implements MatchInput, RelayContext {
  route: CompiledRoute | undefined = undefined;
  consumer: Consumer | undefined = undefined;
  upstreamLatencyMs: number | undefined = undefined;
  forward: ForwardHandler | undefined = undefined;
  proxyLatencyHeader: string | undefined = undefined;
  path = '';
  upstream: Upstream | undefined = undefined;
  upstreamPath = '';
  headers: string[] = [];
  body: IncomingMessage | null = null;
  tries = 0;
  /** Captured at the start (the socket may be gone by 'close'); only when the access log is on. */
  clientIp: string | undefined = undefined;

  constructor(
    readonly h: Handler,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly t0: number,
    readonly requestId: string,
    readonly method: string,
    readonly host: string,
    readonly rawPath: string,
    readonly rawQuery: string,
    readonly accept: string | undefined,
  ) {}

  header(name: string): string | undefined {
    return this.req.headersDistinct[name]?.[0];
  }

  /** res 'close' (listener; `this` is bound by the arrow). */
  readonly onClose = (): void => this.h.finish(this);

  onFailure(err: Error): void {
    this.h.failed(this, err);
  }
}

/**
 * The proxy's one request handler (hot path). Reads the snapshot ONCE, so a swap during the
 * request does not affect it: normalize → match → fail-closed check → auth → headers → forward.
 */
export function createRequestHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const h = new Handler(deps);
  return (req, res) => h.handle(req, res);
}

class Handler {
  readonly store: SnapshotStore;
  readonly pools: UpstreamPools;
  readonly keepUnderscoreHeaders: boolean;
  readonly clientIps: ClientIpResolver | undefined;
  readonly metrics: GatewayMetrics | undefined;
  readonly accessLog: AccessLog | undefined;
  readonly nowSeconds: () => number;
  readonly latencyHeaders: boolean;
  readonly logEnabled: boolean;
  readonly deadlines = new ReadDeadlines();

  constructor(readonly deps: HandlerDeps) {
    this.store = deps.store;
    this.keepUnderscoreHeaders = deps.keepUnderscoreHeaders ?? false;
    this.clientIps = deps.clientIps;
    this.pools = deps.pools;
    this.metrics = deps.metrics;
    this.accessLog = deps.accessLog;
    this.nowSeconds = deps.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
    this.latencyHeaders = deps.latencyHeaders ?? true;
    this.logEnabled = deps.accessLog?.enabled === true;
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const t0 = performance.now();
    const deps = this.deps;
    deps.onStart?.();
    if (deps.isDraining?.()) res.setHeader('connection', 'close');
    const headers = req.headers;
    const requestId = requestIdFrom(headers['x-request-id']);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const accept = headers.accept;
    const x = new Exchange(this, req, res, t0, requestId, req.method ?? 'GET', hostWithoutPort(headers.host),
      q === -1 ? url : url.slice(0, q), q === -1 ? '' : url.slice(q + 1), accept);
    res.on('close', x.onClose);
    const peer = req.socket.remoteAddress;
    // Only with trusted proxies configured (client-ip.ts): a trusted peer's forwarded headers count.
    let realIp: string | undefined;
    let trusted = false;
    const clientIps = this.clientIps;
    if (clientIps !== undefined && peer !== undefined && clientIps.trusts(peer)) {
      trusted = true;
      realIp = clientIps.realIp(req, peer);
    }
    if (this.logEnabled) x.clientIp = realIp ?? peer;

    const snap = this.store.current();
    if (!snap) return sendError(res, 503, ERR.noConfig, requestId, accept);
    // Kong's request-path normalization (paths.ts).
    const path = normalizePath(x.rawPath);
    if (path === null) return sendError(res, 400, ERR.badRequest, requestId, accept);
    x.path = path;

    const match = snap.router.match(x);
    if (!match) return sendError(res, 404, ERR.noRoute, requestId, accept);
    const route = match.route;
    x.route = route;
    // Fail closed: a route whose auth could not be built never proxies.
    if (route.pluginError !== undefined) return sendError(res, 500, ERR.unexpected, requestId, accept);

    let credentialKey: string | undefined;
    let anonymous = false;
    if (route.auth) {
      const outcome = route.auth.authenticate({ method: x.method, rawHeaders: req.rawHeaders, rawQuery: x.rawQuery }, this.nowSeconds());
      switch (outcome.kind) {
        case 'rejected':
          this.metrics?.authFailure(route, outcome.reason);
          return sendAuthRejection(res, outcome.status, outcome.body, outcome.wwwAuthenticate, requestId);
        case 'authenticated':
          x.consumer = outcome.consumer;
          credentialKey = outcome.credential.keyHeader ?? outcome.credential.key;
          break;
        case 'anonymous':
          x.consumer = outcome.consumer;
          anonymous = true;
          break;
        case 'skipped':
          break;
      }
    }

    const upstream = route.upstream;
    if (upstream.targets.length === 0) return sendError(res, 503, ERR.noPeer, requestId, accept);
    x.upstream = upstream;

    // Kong's upstream request: forwarded headers (forward-headers.ts), then the joined, escaped path
    // (paths.ts) with the query unchanged.
    let upHeaders: string[];
    try {
      const spec = route.spec;
      upHeaders = buildUpstreamHeaders(req.rawHeaders, {
        clientIp: peer ?? '',
        realIp,
        trustForwarded: trusted,
        // TLS terminates in front of the proxy listener, if at all.
        proto: 'http',
        host: x.host,
        port: req.socket.localPort ?? 0,
        rawPath: x.rawPath,
        strippedPrefix: spec.stripPath ? path.slice(0, path.length - match.strippedPath.length) : '',
        preserveHost: spec.preserveHost,
        upstreamHostHeader: upstream.hostHeader,
        httpVersion: req.httpVersion,
        keepUnderscoreHeaders: this.keepUnderscoreHeaders,
      });
      const upPath = escapeUpstreamPath(joinUpstreamPath(upstream.basePath, path, match.strippedPath, spec.stripPath));
      x.upstreamPath = x.rawQuery === '' ? upPath : `${upPath}?${x.rawQuery}`;
    } catch {
      return sendError(res, 500, ERR.unexpected, requestId, accept);
    }
    upHeaders.push('x-request-id', requestId);
    const consumer = x.consumer;
    if (consumer) {
      const ch = consumer.upstreamHeaders;
      for (const k in ch) upHeaders.push(k, ch[k]!);
      if (credentialKey !== undefined) upHeaders.push('x-credential-identifier', credentialKey);
      if (anonymous) upHeaders.push('x-anonymous-consumer', 'true');
    }
    x.headers = upHeaders;
    if (hasRequestBody(req)) x.body = req;
    if (this.latencyHeaders) x.proxyLatencyHeader = String(Math.round(performance.now() - t0));
    this.attempt(x);
  }

  attempt(x: Exchange): void {
    const upstream = x.upstream!;
    const target = pickTarget(upstream);
    const forward = new ForwardHandler(x.res, x, this.deadlines, upstream.readTimeoutMs);
    x.forward = forward;
    try {
      this.pools.get(upstream, target).dispatch(
        {
          path: x.upstreamPath,
          method: x.method,
          headers: x.headers,
          body: x.body,
          // The read timeout is enforced by this.deadlines (see read-deadlines.ts), not per request by undici.
          headersTimeout: 0,
          bodyTimeout: 0,
        },
        forward,
      );
    } catch {
      sendError(x.res, 500, ERR.unexpected, x.requestId, x.accept);
    }
  }

  /** Upstream exchange failed before any response byte: retry (connect phase, no body) or answer. */
  failed(x: Exchange, err: Error): void {
    const res = x.res;
    if (res.destroyed) return;
    const f = classifyUpstreamError(err);
    if (f.connectPhase && x.body === null && x.tries < x.upstream!.retries) {
      x.tries++;
      return this.attempt(x);
    }
    sendError(res, f.status, f.message, x.requestId, x.accept);
  }

  finish(x: Exchange): void {
    const res = x.res;
    const status = res.headersSent ? res.statusCode : CLIENT_CLOSED;
    if (!res.writableFinished) x.forward?.abort(new Error('client closed the connection'));
    const ms = performance.now() - x.t0;
    this.metrics?.observe(x.route, status, ms / 1000);
    if (this.logEnabled) {
      this.accessLog!.log({
        route: x.route, method: x.req.method ?? '', rawPath: x.rawPath, rawQuery: x.rawQuery, status, latencyMs: ms,
        upstreamLatencyMs: x.upstreamLatencyMs, requestId: x.requestId, consumer: x.consumer, clientIp: x.clientIp,
        // Redact every configured token parameter, also on requests no jwt route matched.
        allRoutes: this.store.current()?.routes,
      });
    }
    this.deps.onEnd?.();
  }
}
