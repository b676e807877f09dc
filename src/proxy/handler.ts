import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { SnapshotStore } from '../snapshot/store.js';
import type { AuthOutcome, Claims, CompiledRoute, Consumer, MatchInput, Upstream, UpstreamTarget } from '../snapshot/types.js';
import type { AclRefusal, GatewayRefusal, IpRestrictionRefusal } from '../model/refusal-reasons.js';
import type { AccessLog } from '../observability/logger.js';
import type { RejectionRecorder } from '../observability/rejections.js';
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
import { firstHeader, http1HeaderView, http2HasBody } from './h2-request.js';
import { grpcMessageOfBody, grpcStatusFor, isGrpcContentType, sendGrpcError } from './grpc-errors.js';
import { sendHttpsRequired } from './https-redirect.js';
import { refuseNonGrpc } from './grpc-route.js';
import { gatewayRequestHeaders, gatewayUpstreamPath, pickGatewayUpstream, sendGatewayRedirect } from './gateway-rule.js';
import type { GatewayHeaderModifier } from '../model/gateway-routes.js';
import { correlate, echoCorrelationId, ipRefusal, setUpstreamHeader } from './kong-plugins.js';
import { corsAccess, corsAnswerHeaders, withCors } from './cors.js';
import type { RequestTracer } from './request-tracer.js';
import { rateHeaderRecord, rateLimit, withRateHeaders } from './rate-limit.js';
import type { RateDecision, RateLimitingPolicy } from '../snapshot/types.js';
import type { RateLimitRefusal } from '../model/refusal-reasons.js';

export interface HandlerDeps {
  store: SnapshotStore;
  pools: UpstreamPools;
  /** Forward header names containing "_" (see forward-headers.ts); off by default, as in nginx. */
  keepUnderscoreHeaders?: boolean;
  /** Trusted proxies and the real client IP (client-ip.ts); undefined: none trusted, the peer is the client. */
  clientIps?: ClientIpResolver;
  metrics?: GatewayMetrics;
  accessLog?: AccessLog;
  /** The status page's last refused requests (docs/status-page.md); fed only when `reason` is set. */
  rejections?: RejectionRecorder;
  /** Seconds since the epoch, for exp/nbf (injectable for tests). */
  nowSeconds?: () => number;
  /** Emit X-Portcullis-Upstream-Latency / X-Portcullis-Proxy-Latency (Kong's X-Kong-* analogues). */
  latencyHeaders?: boolean;
  /** Hooks for graceful shutdown: in-flight accounting and connection: close while draining. */
  onStart?: () => void;
  onEnd?: () => void;
  isDraining?: () => boolean;
  /** Set by the runtime while tracing is on (docs/tracing.md); undefined otherwise. */
  tracer?: RequestTracer | undefined;
}

export { VIA_TOKEN };
/** Status recorded when the client disconnects before a response (nginx's convention). */
export const CLIENT_CLOSED = 499;

const rrIndex = new WeakMap<Upstream, number>();
/** A trusted hop terminated TLS in front of us (its X-Forwarded-Proto, first value). */
const forwardedHttps = (req: IncomingMessage): boolean => {
  const v = req.headers['x-forwarded-proto'];
  return typeof v === 'string' && v.split(',')[0]!.trim().toLowerCase() === 'https';
};
/** RFC 9110 idempotent methods: replayed after a connection broke before any answer. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']);

/** Round-robin target choice, per upstream (one target, as every kong.yml service has: no counter). Shared with upgrade.ts. */
export function pickTarget(u: Upstream): UpstreamTarget {
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
  /** The target last asked (access log `upstream_addr`). */
  target: UpstreamTarget | undefined = undefined;
  upstreamPath = '';
  headers: string[] = [];
  body: IncomingMessage | null = null;
  tries = 0;
  /** Captured at the start (the socket may be gone by 'close'); only when the access log is on. */
  clientIp: string | undefined = undefined;
  /** Set once admit() has built the upstream request (route, auth, headers); else an error response went out. */
  admitted = false;
  /** HTTP/2 only: the request's headers without pseudo-headers (h2-request.ts); null on HTTP/1.x. */
  h2Headers: string[] | null = null;
  /** Came over the TLS listener (MatchInput.tls; X-Forwarded-Proto https). */
  tls = false;
  /** The request's raw headers (HTTP/1.x) or their HTTP/1.1 view (HTTP/2, h2-request.ts). */
  rawHeaders: string[] = [];
  /** The TCP peer; with trusted proxies (client-ip.ts) `trusted` says it is one and `realIp` is the client behind it. */
  peer: string | undefined = undefined;
  trusted = false;
  realIp: string | undefined = undefined;
  /** Why the gateway refused the request, for the access log (src/model/refusal-reasons.ts); set only when it refuses. */
  reason: string | undefined = undefined;
  /** Set while admission waits for a JWKS refetch (docs/jwks.md#unknown-kid) or Redis (rate-limit.ts); then admit() runs again, with noWait. */
  authWait: Promise<void> | undefined = undefined;
  waitedForKeys = false;
  /** HTTPRoute ResponseHeaderModifier (RelayContext), else undefined. */
  responseHeaders: GatewayHeaderModifier | undefined = undefined;
  /** correlation-id with echo_downstream: [header, id] for the response (kong-plugins.ts); else undefined. */
  echo: [string, string] | undefined = undefined;
  /** correlation-id: the id decided for this request (kept when admission runs again after a JWKS refetch). */
  correlation: { id: string; generated: boolean } | undefined = undefined;
  /** cors (docs/cors.md): the Access-Control-* headers for the response, set by cors.ts; else undefined. */
  corsHeaders: GatewayHeaderModifier | undefined = undefined;
  /** rate-limiting's redis answer, kept for the admission after the wait (rate-limit.ts). */
  rate: { policy: RateLimitingPolicy; decision: RateDecision } | undefined = undefined;

  constructor(
    readonly h: Handler,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly t0: number,
    public requestId: string,
    readonly method: string,
    readonly host: string,
    readonly rawPath: string,
    readonly rawQuery: string,
    readonly accept: string | undefined,
  ) {}

  header(name: string): string | undefined {
    // Http2ServerRequest has no headersDistinct.
    return this.h2Headers === null ? this.req.headersDistinct[name]?.[0] : firstHeader(this.h2Headers, name);
  }

  /** MatchInput.listenerPort: read only by per-Gateway HTTPRoute entries, so other requests never pay for it. */
  listenerPort(): number | undefined {
    return this.req.socket.localPort;
  }

  /** HTTP/2 request: no status text, trailers relayed, gRPC errors (forward.ts reads it). */
  get h2(): boolean {
    return this.h2Headers !== null;
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
  return createRequestHandlers(deps).http1;
}

/** The handler's two entries, sharing one pipeline: HTTP/1.x (node:http) and HTTP/2 (node:http2's compat API). */
export interface RequestHandlers {
  http1(req: IncomingMessage, res: ServerResponse): void;
  http2(req: Http2ServerRequest, res: Http2ServerResponse): void;
}

export function createRequestHandlers(deps: HandlerDeps): RequestHandlers {
  const h = new Handler(deps);
  return {
    http1: (req, res) => h.handle(req, res, req.rawHeaders, req.headers.host, null),
    http2: (req, res) => {
      const view = http1HeaderView(req.rawHeaders);
      // The compat objects offer what the pipeline uses of IncomingMessage/ServerResponse; the
      // differences (headersDistinct, status text, connection header, body detection) go by x.h2.
      h.handle(req as unknown as IncomingMessage, res as unknown as ServerResponse, view.rawHeaders, view.host, view.rawHeaders);
    },
  };
}

/** A request after admission, as the upgrade handler (upgrade.ts) reads it. */
export interface Admitted extends RelayContext {
  /** false: the error response (404, 401, …) is written; `route` says which route refused, if any. */
  readonly admitted: boolean;
  readonly req: IncomingMessage;
  readonly t0: number;
  readonly rawPath: string;
  readonly rawQuery: string;
  readonly accept: string | undefined;
  readonly route: CompiledRoute | undefined;
  readonly consumer: Consumer | undefined;
  readonly upstream: Upstream | undefined;
  readonly upstreamPath: string;
  readonly headers: string[];
  readonly clientIp: string | undefined;
  /** Why the gateway refused it (access log), when it did. */
  readonly reason: string | undefined;
  /** Admission waits for a JWKS refetch (docs/jwks.md#unknown-kid): see ProxyHandler.admitAfterKeys. */
  readonly authWait: Promise<void> | undefined;
}

/** The request handler and its admission step alone (same route, auth and header rules), for upgrade.ts. */
export interface ProxyHandler {
  request(req: IncomingMessage, res: ServerResponse): void;
  /** Route, auth, upstream headers; or the error response (404, 401, …) written to `res`. */
  admit(req: IncomingMessage, res: ServerResponse): Admitted;
  /** `x.authWait` is set: admit again once the JWKS refetch is done, then call `then` (not if the client left). */
  admitAfterKeys(x: Admitted, then: () => void): void;
}

export function createProxyHandler(deps: HandlerDeps): ProxyHandler {
  const h = new Handler(deps);
  return {
    // Upgrades are HTTP/1.1 only (node:http's 'upgrade' event, also on the TLS listener).
    request: (req, res) => h.handle(req, res, req.rawHeaders, req.headers.host, null),
    admit(req, res) {
      const x = h.exchange(req, res, performance.now(), req.rawHeaders, req.headers.host, null);
      h.admit(x);
      return x;
    },
    admitAfterKeys(x, then) {
      h.admitAfterKeys(x as Exchange, then);
    },
  };
}

class Handler {
  readonly store: SnapshotStore;
  readonly pools: UpstreamPools;
  readonly keepUnderscoreHeaders: boolean;
  readonly clientIps: ClientIpResolver | undefined;
  readonly metrics: GatewayMetrics | undefined;
  readonly accessLog: AccessLog | undefined;
  readonly rejections: RejectionRecorder | undefined;
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
    this.rejections = deps.rejections;
    this.nowSeconds = deps.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
    this.latencyHeaders = deps.latencyHeaders ?? true;
    this.logEnabled = deps.accessLog?.enabled === true;
  }

  /**
   * `rawHeaders`/`hostHeader`: the request's (HTTP/1.x) or its HTTP/1.1 view (HTTP/2, h2-request.ts);
   * `h2Headers`: that view again on HTTP/2, null on HTTP/1.x.
   */
  handle(req: IncomingMessage, res: ServerResponse, rawHeaders: string[], hostHeader: string | undefined, h2Headers: string[] | null): void {
    const t0 = performance.now();
    const deps = this.deps;
    deps.onStart?.();
    if (deps.isDraining?.()) {
      // HTTP/2 has no connection header (RFC 9113 §8.2.2): GOAWAY ends the session after its streams.
      if (h2Headers === null) res.setHeader('connection', 'close');
      else (req as unknown as Http2ServerRequest).stream.session?.close();
    }
    const x = this.exchange(req, res, t0, rawHeaders, hostHeader, h2Headers);
    res.on('close', x.onClose);
    this.admit(x);
    if (x.authWait !== undefined) return this.admitAfterKeys(x, () => this.proceed(x));
    this.proceed(x);
  }

  proceed(x: Exchange): void {
    if (!x.admitted) return;
    const req = x.req;
    if (x.h2Headers === null ? hasRequestBody(req) : http2HasBody(req as unknown as Http2ServerRequest)) x.body = req;
    if (this.latencyHeaders) x.proxyLatencyHeader = String(Math.round(performance.now() - x.t0));
    this.attempt(x);
  }

  /** After the JWKS refetch the token waited for: admit again (it cannot wait twice), unless the client left. */
  admitAfterKeys(x: Exchange, then: () => void): void {
    void x.authWait!.then(() => {
      x.authWait = undefined;
      x.waitedForKeys = true;
      const res = x.res;
      if (res.destroyed || res.writableEnded || (x.h2Headers !== null && (res as unknown as Http2ServerResponse).stream.destroyed)) return;
      this.admit(x);
      // The first wait was for keys, this one for rate-limiting's Redis: each happens at most once.
      if (x.authWait !== undefined) return this.admitAfterKeys(x, then);
      then();
    });
  }

  /** The request's Exchange: URL split, TLS, and the real client IP (only with trusted proxies configured). */
  exchange(req: IncomingMessage, res: ServerResponse, t0: number, rawHeaders: string[], hostHeader: string | undefined, h2Headers: string[] | null): Exchange {
    const headers = req.headers;
    const requestId = requestIdFrom(headers['x-request-id']);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const x = new Exchange(this, req, res, t0, requestId, req.method ?? 'GET', hostWithoutPort(hostHeader),
      q === -1 ? url : url.slice(0, q), q === -1 ? '' : url.slice(q + 1), headers.accept);
    x.h2Headers = h2Headers;
    x.rawHeaders = rawHeaders;
    const peer = req.socket.remoteAddress;
    x.peer = peer;
    // Only with trusted proxies configured (client-ip.ts): a trusted peer's forwarded headers count.
    const clientIps = this.clientIps;
    if (clientIps !== undefined && peer !== undefined && clientIps.trusts(peer)) {
      x.trusted = true;
      x.realIp = clientIps.realIp(req, peer);
    }
    if (this.logEnabled) x.clientIp = x.realIp ?? peer;
    x.tls = (req.socket as TLSSocket).encrypted === true;
    // docs/tracing.md: the one read the untraced path pays (every entry, WebSocket's too, comes here).
    const tracer = this.deps.tracer;
    if (tracer !== undefined) tracer.begin(x);
    return x;
  }

  /** snapshot → normalize → match → fail-closed check → auth → upstream headers; sets x.admitted, else answers. */
  admit(x: Exchange): void {
    const { req, res, requestId, rawHeaders, h2Headers } = x;
    const snap = this.store.current();
    if (!snap) return this.refuse(x, 503, ERR.noConfig, 'no_config');
    // Kong's request-path normalization (paths.ts).
    const path = normalizePath(x.rawPath);
    if (path === null) return this.refuse(x, 400, ERR.badRequest, 'bad_path');
    x.path = path;

    const match = snap.router.match(x);
    if (!match) return this.refuse(x, 404, ERR.noRoute, 'no_route');
    const route = match.route;
    x.route = route;
    // https-only route over plaintext: Kong's 426 or redirect, before any plugin (docs/tls.md#protocols);
    // a trusted proxy's X-Forwarded-Proto: https counts as TLS, as in Kong (docs/client-ip.md).
    if (route.httpsRedirect !== undefined && !x.tls && !(x.trusted && forwardedHttps(req))) {
      x.reason = 'https_required';
      return sendHttpsRequired(res, route.httpsRedirect, x.host, req.url ?? '/', requestId, h2Headers !== null);
    }
    // gRPC-only route: Kong's 415/426/grpc-status 1 for what is not gRPC over HTTP/2 (grpc-route.ts).
    if (route.grpcOnly !== undefined && refuseNonGrpc(route.grpcOnly, x)) {
      x.reason = 'grpc_only';
      return;
    }
    // Fail closed: a route whose auth could not be built never proxies.
    if (route.pluginError !== undefined) return this.refuse(x, 500, ERR.unexpected, 'plugin_error');
    // Kong's plugin order by PRIORITY: correlation-id (100001), cors (2000), jwt (1450), ip-restriction (990),
    // acl (950), jwt-claims, then rate-limiting (910).
    const cid = route.correlationId;
    const correlationId = cid === undefined ? undefined : correlate(x, cid);
    // cors answers a preflight itself, before jwt (docs/cors.md#preflight).
    if (route.cors !== undefined && corsAccess(x, route.cors)) return;

    let credentialKey: string | undefined;
    let anonymous = false;
    let claims: Claims | undefined;
    let outcome: AuthOutcome | undefined;
    if (route.auth) {
      outcome = route.auth.authenticate({ method: x.method, rawHeaders, rawQuery: x.rawQuery, noWait: x.waitedForKeys }, this.nowSeconds());
      switch (outcome.kind) {
        case 'pending':
          x.authWait = outcome.ready;
          return;
        case 'rejected':
          return this.rejectAuth(x, route, outcome.status, outcome.body, outcome.wwwAuthenticate, outcome.reason);
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
    // ip-restriction (docs/ip-restriction.md) on the real client address.
    if (route.ipRestriction !== undefined) {
      const denied = ipRefusal(x, route.ipRestriction);
      if (denied !== undefined) return this.refuse(x, denied.status, denied.message, 'ip_restricted');
    }
    // acl (docs/acl.md) on the consumer jwt resolved: a refusal, or the X-Consumer-Groups value.
    let groups: string | undefined;
    if (route.acl !== undefined) {
      const verdict = route.acl.check(x.consumer, credentialKey !== undefined);
      if (typeof verdict === 'object') return this.refuse(x, verdict.status, verdict.message, verdict.reason);
      groups = verdict;
    }
    // jwt-claims runs after jwt on the token it verified; a request jwt skipped skips it too (docs/claims.md).
    const policy = route.claims;
    if (policy !== undefined && outcome !== undefined && outcome.kind !== 'skipped') {
      const verified = outcome.kind === 'authenticated' ? outcome.claims : undefined;
      const denied = policy.authorize(verified);
      if (denied !== undefined) return this.rejectAuth(x, route, denied.status, denied.body, undefined, denied.reason);
      claims = verified;
    }
    // rate-limiting (docs/rate-limiting.md), Kong's PRIORITY 910: after jwt, ip-restriction and jwt-claims.
    let rateHeaders: RateDecision['headers'];
    let rl = route.rateLimiting;
    // A consumer-scoped instance wins for its consumer (docs/rate-limiting.md#consumers): one Map lookup, only on such routes.
    if (route.rateLimitingByConsumer !== undefined && x.consumer !== undefined) rl = route.rateLimitingByConsumer.get(x.consumer.id) ?? rl;
    if (rl !== undefined) {
      const credentialId = outcome?.kind === 'authenticated' ? outcome.credential.id : undefined;
      const d = rateLimit(x, rl, x.consumer?.id, credentialId, route.spec.service.id, this.nowSeconds());
      if (d === undefined) return; // x.authWait: Redis answers, then admission runs again
      if (d.storeError === true) this.metrics?.rateLimitStoreError(route);
      if (d.fatal === true) return this.refuse(x, 500, ERR.unexpected, 'rate_limit_unavailable');
      if (d.stop) {
        this.metrics?.rateLimited(route);
        x.reason = 'rate_limited' satisfies RateLimitRefusal;
        return this.error(x, rl.errorCode, rl.errorMessage, rateHeaderRecord(d.headers));
      }
      rateHeaders = d.headers;
    }

    // HTTPRoute rules (gateway-rule.ts): a redirect answers here; otherwise a backend by weight.
    const gw = route.gateway;
    if (gw?.redirect !== undefined) return sendGatewayRedirect(res, gw, x, requestId);
    const upstream = gw === undefined ? route.upstream : pickGatewayUpstream(gw);
    if (upstream === undefined) return this.error(x, 500, ERR.unexpected);
    if (upstream.targets.length === 0) return this.refuse(x, 503, ERR.noPeer, 'no_upstream_target');
    x.upstream = upstream;

    // Kong's upstream request: forwarded headers (forward-headers.ts), then the joined, escaped path
    // (paths.ts) with the query unchanged.
    let upHeaders: string[];
    try {
      const spec = route.spec;
      upHeaders = buildUpstreamHeaders(rawHeaders, {
        clientIp: x.peer ?? '',
        realIp: x.realIp,
        trustForwarded: x.trusted,
        // Our own TLS listener; a TLS-terminating hop in front is the trusted-proxies setting's business.
        proto: x.tls ? 'https' : 'http',
        host: x.host,
        port: req.socket.localPort ?? 0,
        rawPath: x.rawPath,
        strippedPrefix: spec.stripPath ? path.slice(0, path.length - match.strippedPath.length) : '',
        preserveHost: spec.preserveHost,
        upstreamHostHeader: upstream.hostHeader,
        // RFC 9110 §7.6.3: HTTP/2's protocol-version is "2".
        httpVersion: h2Headers === null ? req.httpVersion : '2',
        keepUnderscoreHeaders: this.keepUnderscoreHeaders,
        stripHeaders: snap.claimHeaders,
      });
      if (gw === undefined) {
        const upPath = escapeUpstreamPath(joinUpstreamPath(upstream.basePath, path, match.strippedPath, spec.stripPath));
        x.upstreamPath = x.rawQuery === '' ? upPath : `${upPath}?${x.rawQuery}`;
      } else {
        x.upstreamPath = gatewayUpstreamPath(gw, path, x.rawQuery);
        upHeaders = gatewayRequestHeaders(upHeaders, gw);
        x.responseHeaders = gw.responseHeaders;
      }
    } catch {
      return this.error(x, 500, ERR.unexpected);
    }
    upHeaders.push('x-request-id', requestId);
    const consumer = x.consumer;
    if (consumer) {
      const ch = consumer.upstreamHeaders;
      for (const k in ch) upHeaders.push(k, ch[k]!);
      if (credentialKey !== undefined) upHeaders.push('x-credential-identifier', credentialKey);
      if (anonymous) upHeaders.push('x-anonymous-consumer', 'true');
      if (groups !== undefined) upHeaders.push('x-consumer-groups', groups);
    }
    if (claims !== undefined) route.claims!.appendHeaders(claims, upHeaders);
    if (correlationId !== undefined) setUpstreamHeader(upHeaders, cid!.header, correlationId);
    if (x.echo !== undefined) x.responseHeaders = echoCorrelationId(x.responseHeaders, x.echo);
    if (x.corsHeaders !== undefined) x.responseHeaders = withCors(x.responseHeaders, x.corsHeaders);
    if (rateHeaders !== undefined) x.responseHeaders = withRateHeaders(x.responseHeaders, rateHeaders);
    x.headers = upHeaders;
    x.admitted = true;
  }

  attempt(x: Exchange): void {
    const upstream = x.upstream!;
    const target = pickTarget(upstream);
    x.target = target;
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
      this.error(x, 500, ERR.unexpected);
    }
  }

  /** The gateway refuses the request: `reason` goes to the access log (docs/access-log.md), the answer as error(). */
  refuse(x: Exchange, status: number, message: string, reason: GatewayRefusal | IpRestrictionRefusal | AclRefusal | RateLimitRefusal): void {
    x.reason = reason;
    this.error(x, status, message);
  }

  /** A plugin's refusal (jwt 401/500, jwt-claims 403): its exact body, or the gRPC status (403 → 7). */
  rejectAuth(x: Exchange, route: CompiledRoute, status: number, body: string, wwwAuthenticate: string | undefined, reason: string): void {
    x.reason = reason;
    this.metrics?.authFailure(route, reason);
    if (x.h2Headers !== null && this.isGrpc(x)) {
      let extra: Record<string, string> | undefined = wwwAuthenticate === undefined ? undefined : { 'www-authenticate': wwwAuthenticate };
      if (x.echo !== undefined) extra = { ...extra, [x.echo[0]]: x.echo[1] };
      if (x.corsHeaders !== undefined) extra = corsAnswerHeaders(x.corsHeaders, extra);
      return sendGrpcError(x.res as unknown as Http2ServerResponse, status, grpcMessageOfBody(body, grpcStatusFor(status)), x.requestId, extra);
    }
    if (x.echo !== undefined) x.res.setHeader(x.echo[0], x.echo[1]);
    // cors's header_filter runs on plugin refusals too, so browsers can read them (docs/cors.md#responses).
    if (x.corsHeaders !== undefined) for (const [name, value] of Object.entries(corsAnswerHeaders(x.corsHeaders, undefined))) x.res.setHeader(name, value);
    sendAuthRejection(x.res, status, body, wwwAuthenticate, x.requestId);
  }

  /** A gateway error: Kong's JSON/text body, or a gRPC status for gRPC requests (grpc-errors.ts). */
  error(x: Exchange, status: number, message: string, headers?: Record<string, string>): void {
    // correlation-id's echo_downstream: on the gateway's own answers too, as Kong's header_filter does.
    let extra = x.echo === undefined ? headers : { ...headers, [x.echo[0]]: x.echo[1] };
    if (x.corsHeaders !== undefined) extra = corsAnswerHeaders(x.corsHeaders, extra);
    if (x.h2Headers !== null && this.isGrpc(x)) return sendGrpcError(x.res as unknown as Http2ServerResponse, status, message, x.requestId, extra);
    sendError(x.res, status, message, x.requestId, x.accept, extra);
  }

  /** Kong's is_grpc_request: HTTP/2 (the caller's check) and content-type application/grpc*. */
  isGrpc(x: Exchange): boolean {
    return isGrpcContentType(firstHeader(x.h2Headers!, 'content-type'));
  }

  /** Upstream exchange failed before any response byte: retry (connect phase, no body) or answer. */
  failed(x: Exchange, err: Error): void {
    const res = x.res;
    if (res.destroyed || (x.h2Headers !== null && (res as unknown as Http2ServerResponse).stream.destroyed)) return;
    const f = classifyUpstreamError(err);
    const replayable = f.connectPhase || (f.answerless === true && IDEMPOTENT.has(x.req.method ?? ''));
    if (replayable && x.body === null && x.tries < x.upstream!.retries) {
      x.tries++;
      return this.attempt(x);
    }
    this.error(x, f.status, f.message);
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
        upstreamLatencyMs: x.upstreamLatencyMs, requestId: x.requestId, consumer: x.consumer, clientIp: x.clientIp, reason: x.reason,
        upstreamTarget: x.target, traceparent: x.req.headers.traceparent,
        // Redact every configured token parameter, also on requests no jwt route matched.
        allRoutes: this.store.current()?.routes,
      });
    }
    // Refusals only (one field read on the success path): the status page's ring (docs/status-page.md).
    if (x.reason !== undefined && this.rejections !== undefined) {
      this.rejections.record({
        status, reason: x.reason, method: x.method, rawPath: x.rawPath, rawQuery: x.rawQuery, route: x.route,
        consumer: x.consumer, requestId: x.requestId, allRoutes: this.store.current()?.routes,
      });
    }
    this.deps.onEnd?.();
  }
}
