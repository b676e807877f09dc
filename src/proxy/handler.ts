import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { SnapshotStore } from '../snapshot/store.js';
import type { CompiledRoute, Consumer, MatchInput, Upstream, UpstreamTarget } from '../snapshot/types.js';
import type { AccessLog } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { ProxyPipeline } from './pipeline.js';
import type { UpstreamPools } from './upstream-pools.js';
import { ERR, sendAuthRejection, sendError } from './error-response.js';
import { ForwardHandler, hasRequestBody } from './forward.js';
import { hostWithoutPort } from './host-header.js';
import { requestIdFrom } from './request-id.js';
import { classifyUpstreamError } from './upstream-errors.js';

export interface HandlerDeps {
  store: SnapshotStore;
  pipeline: ProxyPipeline;
  pools: UpstreamPools;
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

/** Response header appended to Via, as Kong appends "1.1 kong/x". */
export const VIA_TOKEN = '1.1 portcullis';
/** Status recorded when the client disconnects before a response (nginx's convention). */
export const CLIENT_CLOSED = 499;

const rrIndex = new WeakMap<Upstream, number>();

/** Round-robin target choice, per upstream. */
function pickTarget(u: Upstream): UpstreamTarget {
  const i = rrIndex.get(u) ?? 0;
  rrIndex.set(u, i + 1);
  return u.targets[i % u.targets.length]!;
}


/**
 * The proxy's one request handler (hot path). Reads the snapshot ONCE, so a swap during the
 * request does not affect it: normalize → match → fail-closed check → auth → headers → forward.
 */
export function createRequestHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { store, pipeline, pools, metrics, accessLog } = deps;
  const nowSeconds = deps.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const latencyHeaders = deps.latencyHeaders ?? true;
  const logEnabled = accessLog?.enabled === true;

  return function handle(req, res) {
    const t0 = performance.now();
    deps.onStart?.();
    if (deps.isDraining?.()) res.setHeader('connection', 'close');
    const requestId = requestIdFrom(req.headers['x-request-id']);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q === -1 ? url : url.slice(0, q);
    const rawQuery = q === -1 ? '' : url.slice(q + 1);
    const accept = req.headers.accept;
    const clientIp = req.socket.remoteAddress;

    let route: CompiledRoute | undefined;
    let consumer: Consumer | undefined;
    let upstreamLatencyMs: number | undefined;
    let forward: ForwardHandler | undefined;

    res.once('close', () => {
      const status = res.headersSent ? res.statusCode : CLIENT_CLOSED;
      if (!res.writableFinished) forward?.abort(new Error('client closed the connection'));
      const ms = performance.now() - t0;
      metrics?.observe(route, status, ms / 1000);
      if (logEnabled) {
        accessLog!.log({
          route, method: req.method ?? '', rawPath, rawQuery, status, latencyMs: ms, upstreamLatencyMs, requestId,
          consumer, clientIp, allRoutes: store.current()?.routes,
        });
      }
      deps.onEnd?.();
    });

    const snap = store.current();
    if (!snap) return sendError(res, 503, ERR.noConfig, requestId, accept);
    const path = pipeline.normalizePath(rawPath);
    if (path === null) return sendError(res, 400, ERR.badRequest, requestId, accept);

    const method = req.method ?? 'GET';
    const input: MatchInput = {
      method,
      host: hostWithoutPort(req.headers.host),
      path,
      header: (name) => req.headersDistinct[name]?.[0],
    };
    const match = snap.router.match(input);
    if (!match) return sendError(res, 404, ERR.noRoute, requestId, accept);
    route = match.route;
    // Fail closed: a route whose auth could not be built never proxies.
    if (route.pluginError !== undefined) return sendError(res, 500, ERR.unexpected, requestId, accept);

    let credentialKey: string | undefined;
    let anonymous = false;
    if (route.auth) {
      const outcome = route.auth.authenticate({ method, rawHeaders: req.rawHeaders, rawQuery }, nowSeconds());
      switch (outcome.kind) {
        case 'rejected':
          metrics?.authFailure(route, outcome.reason);
          return sendAuthRejection(res, outcome.status, outcome.body, outcome.wwwAuthenticate, requestId);
        case 'authenticated':
          consumer = outcome.consumer;
          credentialKey = outcome.credential.key;
          break;
        case 'anonymous':
          consumer = outcome.consumer;
          anonymous = true;
          break;
        case 'skipped':
          break;
      }
    }

    const upstream = route.upstream;
    if (upstream.targets.length === 0) return sendError(res, 503, ERR.noPeer, requestId, accept);

    let headers: string[];
    let upstreamPath: string;
    try {
      headers = pipeline.upstreamHeaders({ req, route, match, normalizedPath: path, scheme: 'http' });
      upstreamPath = pipeline.upstreamPath(route, match, path, rawQuery);
    } catch {
      return sendError(res, 500, ERR.unexpected, requestId, accept);
    }
    headers.push('x-request-id', requestId);
    if (consumer) {
      const ch = consumer.upstreamHeaders;
      for (const k in ch) headers.push(k, ch[k]!);
      if (credentialKey !== undefined) headers.push('x-credential-identifier', credentialKey);
      if (anonymous) headers.push('x-anonymous-consumer', 'true');
    }

    const withBody = hasRequestBody(req);
    const body = withBody ? req : null;
    const proxyLatencyMs = performance.now() - t0;

    const attempt = (tries: number): void => {
      const target = pickTarget(upstream);
      forward = new ForwardHandler(res, {
        decorate(h: IncomingHttpHeaders, upMs: number) {
          upstreamLatencyMs = upMs;
          const via = h.via;
          h.via = via ? `${via}, ${VIA_TOKEN}` : VIA_TOKEN;
          h['x-request-id'] = requestId;
          if (latencyHeaders) {
            h['x-portcullis-upstream-latency'] = String(Math.round(upMs));
            h['x-portcullis-proxy-latency'] = String(Math.round(proxyLatencyMs));
          }
        },
        onFailure(err) {
          if (res.destroyed) return;
          const f = classifyUpstreamError(err);
          if (f.connectPhase && !withBody && tries < upstream.retries) return attempt(tries + 1);
          sendError(res, f.status, f.message, requestId, accept);
        },
        onDone() {},
      });
      try {
        pools.get(upstream, target).dispatch(
          {
            path: upstreamPath,
            method,
            headers,
            body,
            headersTimeout: upstream.readTimeoutMs,
            bodyTimeout: upstream.readTimeoutMs,
          },
          forward,
        );
      } catch {
        sendError(res, 500, ERR.unexpected, requestId, accept);
      }
    };
    attempt(0);
  };
}
