import type { AuthExplanation, CheckResult, ExplainedConsumer } from '../model/explain.js';
import { REFUSAL_REASONS, type GatewayRefusal } from '../model/refusal-reasons.js';
import { redactPath, redactQuery, redactedParamsAll } from '../observability/logger.js';
import { explainRoute, type FailedField } from '../snapshot/router/explain.js';
import type { ClaimCheckResult, Claims, CompiledRoute, MatchInput, Snapshot } from '../snapshot/types.js';
import { ERR } from './error-response.js';
import { isGrpcContentType } from './grpc-errors.js';
import { NON_GRPC_REQUEST, USE_HTTP2 } from './grpc-route.js';
import { authRejectionResponse, errorResponse, httpsRequiredResponse, type PredictedResponse } from './explain-response.js';
import { SERVER_HEADER } from './error-response.js';
import { hostWithoutPort } from './host-header.js';
import { keepsRequestId } from './request-id.js';
import { escapeUpstreamPath, joinUpstreamPath, normalizePath } from './paths.js';

/** A request to explain: what a client would send (docs/explain.md). */
export interface ExplainRequest {
  method: string;
  /** Absolute (`https://host/api?x=1`) or origin-form (`/api`, the Host header then names the host). */
  url: string;
  /** In order, repeats kept, as node's rawHeaders pairs. */
  headers: ReadonlyArray<readonly [string, string]>;
}

export interface ExplainOptions {
  nowSeconds: number;
  /**
   * Upstream endpoints are not known (offline CR manifests: EndpointSlices live in the cluster):
   * an upstream without targets is reported, not counted as a refusal.
   */
  targetsUnknown?: boolean;
}

/** One stage of the request path (handler.ts admit), in its order. */
export interface ExplainStep {
  step: 'snapshot' | 'path' | 'route' | 'protocol' | 'plugins' | 'cors' | 'auth' | 'acl' | 'upstream';
  result: CheckResult;
  detail?: string;
  reason?: string;
}

export interface ExplainedCandidate {
  route: string;
  id: string;
  path?: string;
  failed: FailedField[];
}

/** The answer of `portcullis explain --json` and `POST /debug/explain`. */
export interface ExplainResult {
  request: { method: string; url: string; host: string; path: string | null; tls: boolean };
  snapshot: { version: number } | null;
  verdict: { proxied: boolean; status?: number; reason?: string; by?: 'gateway' | 'jwt' | 'jwt-claims' | 'acl' | 'cors'; consumer?: ExplainedConsumer };
  steps: ExplainStep[];
  route?: {
    matched: { route: string; id: string; path?: string; strippedPath: string } | null;
    /** Matchers ranked above the match (all of them when nothing matched), best first. */
    notMatched: ExplainedCandidate[];
    omitted: number;
  };
  auth?: AuthExplanation;
  /** Refused: exactly what the client gets (HTTP/1.1; gRPC clients get the same status as grpc-status). */
  response?: PredictedResponse;
  /** Proxied: where to, and the identity headers added for the upstream. */
  upstream?: { service: string; protocol: string; targets: number; path: string; identityHeaders: Record<string, string> };
  /** Set only if the indexed router and its slow-path explanation disagree (a bug: please report it). */
  routerDisagrees?: string;
}

interface ParsedTarget {
  tls: boolean;
  hostHeader: string | undefined;
  rawPath: string;
  rawQuery: string;
  rawHeaders: string[];
}

/** Splits the URL as a client sends it: the path is kept raw (no WHATWG normalization). */
export function parseExplainTarget(req: ExplainRequest): ParsedTarget | { error: string } {
  let rest = req.url;
  let tls = false;
  let authority: string | undefined;
  const abs = /^(https?):\/\/([^/?#]*)/i.exec(rest);
  if (abs) {
    tls = abs[1]!.toLowerCase() === 'https';
    authority = abs[2]!;
    rest = rest.slice(abs[0].length);
    if (rest === '' || rest.startsWith('?')) rest = `/${rest}`;
  } else if (!rest.startsWith('/')) {
    // The URL is not echoed: it may carry a token.
    return { error: 'url: expected an absolute http:// or https:// URL, or a path starting with "/"' };
  }
  const hash = rest.indexOf('#');
  if (hash !== -1) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  const rawHeaders: string[] = [];
  let hostHeader: string | undefined;
  for (const [name, value] of req.headers) {
    if (name.toLowerCase() === 'host' && hostHeader === undefined) hostHeader = value;
    rawHeaders.push(name, value);
  }
  if (hostHeader === undefined && authority !== undefined) {
    // A client puts the URL's authority into Host, first.
    hostHeader = authority;
    rawHeaders.unshift('Host', authority);
  }
  return { tls, hostHeader, rawPath: q === -1 ? rest : rest.slice(0, q), rawQuery: q === -1 ? '' : rest.slice(q + 1), rawHeaders };
}

/**
 * What the proxy would do with `req` on `snap`, stage by stage as handler.ts's admit() runs them:
 * the same path normalization, the same router (its slow-path twin says why better-ranked routes
 * refused), the route's own plugin instance (its explain entry point), the same response bodies.
 * Assumes the client connects directly (no trusted proxy in front) over HTTP/1.1.
 */
export function explainRequest(snap: Snapshot | undefined, req: ExplainRequest, opts: ExplainOptions): ExplainResult | { error: string } {
  const target = parseExplainTarget(req);
  if ('error' in target) return target;
  const method = req.method.toUpperCase();
  const host = hostWithoutPort(target.hostHeader);
  const requestId = requestIdOf(target.rawHeaders);
  const accept = firstHeader(target.rawHeaders, 'accept');
  const names = redactedParamsAll(snap?.routes ?? []);
  const shownUrl = `${target.tls ? 'https' : 'http'}://${target.hostHeader ?? ''}${redactPath(target.rawPath)}${target.rawQuery === '' ? '' : `?${redactQuery(target.rawQuery, names)}`}`;
  const result: ExplainResult = {
    request: { method, url: shownUrl, host, path: null, tls: target.tls },
    snapshot: snap ? { version: snap.version } : null,
    verdict: { proxied: false },
    steps: [],
  };
  const step = (s: ExplainStep) => result.steps.push(s);
  const refuse = (reason: GatewayRefusal, response: PredictedResponse, detail: string): ExplainResult => {
    step({ step: stepOfRefusal(reason), result: 'fail', detail, reason });
    result.verdict = { proxied: false, status: response.status, reason, by: 'gateway' };
    result.response = response;
    return result;
  };

  if (!snap) return refuse('no_config', errorResponse(503, ERR.noConfig, requestId, accept), REFUSAL_REASONS.no_config.meaning);
  step({ step: 'snapshot', result: 'pass', detail: `version ${snap.version}` });
  const path = normalizePath(target.rawPath);
  if (path === null) return refuse('bad_path', errorResponse(400, ERR.badRequest, requestId, accept), REFUSAL_REASONS.bad_path.meaning);
  result.request.path = path;
  step({ step: 'path', result: 'pass', detail: path === target.rawPath ? path : `${redactPath(target.rawPath)} normalized to ${redactPath(path)}` });

  const input: MatchInput = { method, host, path, header: (name) => firstHeader(target.rawHeaders, name), tls: target.tls };
  const match = snap.router.match(input);
  const why = explainRoute(snap.routes, input);
  if ((why.match?.route ?? undefined) !== match?.route || (match && why.match!.strippedPath !== match.strippedPath)) {
    result.routerDisagrees = `router: ${match?.route.label ?? 'none'}, explanation: ${why.match?.route.label ?? 'none'}`;
  }
  result.route = {
    matched: match ? { route: match.route.label, id: match.route.id, ...(why.match?.path !== undefined && { path: why.match.path }), strippedPath: match.strippedPath } : null,
    notMatched: why.candidates.map((c) => ({ route: c.route.label, id: c.route.id, ...(c.path !== undefined && { path: c.path }), failed: c.failed })),
    omitted: why.omitted,
  };
  if (!match) return refuse('no_route', errorResponse(404, ERR.noRoute, requestId, accept), REFUSAL_REASONS.no_route.meaning);
  const route = match.route;
  step({ step: 'route', result: 'pass', detail: `route ${route.label}` });

  if (route.httpsRedirect !== undefined && !target.tls) {
    return refuse('https_required', httpsRequiredResponse(route.httpsRedirect, host, `${target.rawPath}${target.rawQuery === '' ? '' : `?${target.rawQuery}`}`, requestId), `route ${route.label} accepts https only`);
  }
  if (route.httpsRedirect !== undefined) step({ step: 'protocol', result: 'pass', detail: 'https-only route, requested over TLS' });
  if (route.grpcOnly !== undefined) {
    // grpc-route.ts, for the HTTP/1.1 request explain assumes.
    if (!isGrpcContentType(firstHeader(target.rawHeaders, 'content-type'))) {
      return refuse('grpc_only', errorResponse(415, NON_GRPC_REQUEST, requestId, accept), `route ${route.label} accepts gRPC only`);
    }
    const upgrade = errorResponse(426, USE_HTTP2, requestId, accept);
    upgrade.headers = { ...upgrade.headers, connection: 'Upgrade', upgrade: 'HTTP/2' };
    return refuse('grpc_only', upgrade, `route ${route.label} accepts gRPC over HTTP/2 only`);
  }
  if (route.pluginError !== undefined) return refuse('plugin_error', errorResponse(500, ERR.unexpected, requestId, accept), route.pluginError);
  step({ step: 'plugins', result: 'pass', detail: pluginsDetail(route) });

  // cors answers a preflight itself, before jwt (docs/cors.md#preflight), as cors.ts does.
  const cors = route.cors;
  const origin = firstHeader(target.rawHeaders, 'origin');
  if (cors !== undefined && method === 'OPTIONS' && origin !== undefined && origin !== '' && firstHeader(target.rawHeaders, 'access-control-request-method') !== undefined) {
    if (!cors.config.preflightContinue) {
      step({ step: 'cors', result: 'pass', detail: `a preflight: cors (${cors.pluginId}) answers it with 200, before jwt` });
      const headers: Record<string, string> = {};
      for (const [n, v] of cors.preflight(origin, firstHeader(target.rawHeaders, 'access-control-request-headers'), firstHeader(target.rawHeaders, 'access-control-request-private-network'))) headers[n] = v;
      result.verdict = { proxied: false, status: 200, by: 'cors' };
      result.response = { status: 200, headers: { ...headers, 'x-request-id': requestId, server: SERVER_HEADER, 'content-length': '0' }, body: '' };
      return result;
    }
    step({ step: 'cors', result: 'skip', detail: 'a preflight: preflight_continue sends it on, without CORS headers' });
  }

  let consumer: ExplainedConsumer | undefined;
  let identity: Record<string, string> = {};
  let authenticated = false;
  if (route.auth) {
    const authReq = { method, rawHeaders: target.rawHeaders, rawQuery: target.rawQuery };
    const auth = route.auth.explain?.(authReq, opts.nowSeconds) ?? outcomeOnly(route, authReq, opts.nowSeconds);
    result.auth = auth;
    const o = auth.outcome;
    if (o.kind === 'rejected') {
      step({ step: 'auth', result: 'fail', detail: REFUSAL_REASONS[o.reason as keyof typeof REFUSAL_REASONS]?.meaning ?? o.reason, reason: o.reason });
      result.verdict = { proxied: false, status: o.status, reason: o.reason, by: 'jwt' };
      result.response = authRejectionResponse(o.status, o.body, o.wwwAuthenticate, requestId);
      return result;
    }
    // jwt-claims runs after jwt on the token it verified, as handler.ts does (docs/claims.md).
    const policy = route.claims;
    const claims = o.kind === 'authenticated' ? (auth.token?.claims as Claims | undefined) : undefined;
    if (policy !== undefined && o.kind !== 'skipped') {
      let failed: ClaimCheckResult | undefined;
      for (const r of policy.evaluate(claims)) {
        auth.checks.push({ check: `${r.kind} (${r.field})`, result: r.pass ? 'pass' : 'fail', ...(!r.pass && { detail: messageOfBody(r.body), reason: r.reason }) });
        if (!r.pass) failed ??= r;
      }
      if (failed !== undefined) {
        step({ step: 'auth', result: 'fail', detail: REFUSAL_REASONS[failed.reason as keyof typeof REFUSAL_REASONS]?.meaning ?? failed.reason, reason: failed.reason });
        result.verdict = { proxied: false, status: failed.status, reason: failed.reason, by: 'jwt-claims' };
        result.response = authRejectionResponse(failed.status, failed.body, undefined, requestId);
        return result;
      }
    }
    step({ step: 'auth', result: o.kind === 'skipped' ? 'skip' : 'pass', detail: policy === undefined || o.kind === 'skipped' ? o.kind : `${o.kind}; jwt-claims (${policy.pluginId}) passed` });
    if (o.kind !== 'skipped') {
      consumer = o.consumer;
      authenticated = o.kind === 'authenticated';
      identity = identityHeaders(snap, o.consumer.id, o.kind === 'authenticated' ? o.credential.key : undefined);
      if (policy !== undefined && claims !== undefined) {
        const mapped: string[] = [];
        policy.appendHeaders(claims, mapped);
        for (let i = 0; i + 1 < mapped.length; i += 2) identity[mapped[i]!] = mapped[i + 1]!;
      }
    }
  }

  // acl on the consumer jwt resolved (docs/acl.md), after ip-restriction (which explain cannot evaluate).
  const acl = route.acl;
  if (acl !== undefined) {
    const verdict = acl.check(consumer === undefined ? undefined : snap.consumers.find((c) => c.id === consumer!.id), authenticated);
    if (typeof verdict === 'object') {
      step({ step: 'acl', result: 'fail', detail: REFUSAL_REASONS[verdict.reason].meaning, reason: verdict.reason });
      result.verdict = { proxied: false, status: verdict.status, reason: verdict.reason, by: 'acl' };
      result.response = errorResponse(verdict.status, verdict.message, requestId, accept);
      return result;
    }
    step({ step: 'acl', result: 'pass', detail: `acl (${acl.pluginId}) allows the consumer` });
    if (verdict !== undefined) identity['x-consumer-groups'] = verdict;
  }

  const upstream = route.upstream;
  if (upstream.targets.length === 0) {
    if (!opts.targetsUnknown) return refuse('no_upstream_target', errorResponse(503, ERR.noPeer, requestId, accept), REFUSAL_REASONS.no_upstream_target.meaning);
    step({ step: 'upstream', result: 'skip', detail: 'endpoints are not known offline (they come from the cluster)' });
  } else step({ step: 'upstream', result: 'pass', detail: `${upstream.targets.length} target(s)` });
  const upPath = escapeUpstreamPath(joinUpstreamPath(upstream.basePath, path, match.strippedPath, route.spec.stripPath));
  result.verdict = { proxied: true, ...(consumer && { consumer }) };
  result.upstream = {
    service: upstream.service ?? upstream.id,
    protocol: upstream.protocol,
    targets: upstream.targets.length,
    path: redactPath(upPath),
    identityHeaders: identity,
  };
  return result;
}

/**
 * The route's plugins in Kong's order. ip-restriction and rate-limiting are named, not evaluated:
 * explain has no client address and must not count (docs/ip-restriction.md#explain, docs/rate-limiting.md#explain).
 */
function pluginsDetail(route: CompiledRoute): string {
  const cid = route.correlationId;
  const ip = route.ipRestriction;
  const rl = route.rateLimiting;
  if (cid === undefined && ip === undefined && route.cors === undefined && route.acl === undefined && rl === undefined) return route.auth ? `jwt (${route.auth.pluginId})` : 'none: a public route';
  return [
    ...(cid !== undefined ? [`correlation-id (${cid.pluginId}, ${cid.config.headerName})`] : []),
    ...(route.cors !== undefined ? [`cors (${route.cors.pluginId})`] : []),
    ...(route.auth ? [`jwt (${route.auth.pluginId})`] : []),
    ...(ip !== undefined ? [`ip-restriction (${ip.pluginId}; not evaluated: explain does not know the client address)`] : []),
    ...(route.acl !== undefined ? [`acl (${route.acl.pluginId})`] : []),
    ...(rl !== undefined ? [`rate-limiting (${rl.pluginId}, ${rl.policy}, by ${rl.limitBy}; not evaluated: explain counts no request)`] : []),
  ].join(', ');
}

/** The message of a {"message": …} body, for a check's detail. */
function messageOfBody(body: string): string {
  try {
    const m = (JSON.parse(body) as { message?: unknown }).message;
    return typeof m === 'string' ? m : body;
  } catch {
    return body;
  }
}

function stepOfRefusal(reason: GatewayRefusal): ExplainStep['step'] {
  switch (reason) {
    case 'no_config':
      return 'snapshot';
    case 'bad_path':
      return 'path';
    case 'no_route':
      return 'route';
    case 'https_required':
    case 'grpc_only':
      return 'protocol';
    case 'plugin_error':
      return 'plugins';
    case 'no_upstream_target':
      return 'upstream';
  }
}

/** An authenticator without an explain entry point: its outcome, without steps. */
function outcomeOnly(route: CompiledRoute, req: { method: string; rawHeaders: string[]; rawQuery: string }, now: number): AuthExplanation {
  const auth = route.auth!;
  const o = auth.authenticate(req, now);
  const base = { plugin: auth.pluginId, looksIn: { query: [], cookies: [], headers: [] }, tokensFound: [], checks: [] };
  switch (o.kind) {
    case 'rejected':
      return { ...base, outcome: { kind: 'rejected', status: o.status, reason: o.reason, body: o.body, ...(o.wwwAuthenticate !== undefined && { wwwAuthenticate: o.wwwAuthenticate }) } };
    case 'authenticated':
      return { ...base, outcome: { kind: 'authenticated', consumer: { id: o.consumer.id }, credential: { id: o.credential.id, key: o.credential.key, algorithm: o.credential.algorithm, consumer: { id: o.consumer.id } } } };
    case 'anonymous':
      return { ...base, outcome: { kind: 'anonymous', consumer: { id: o.consumer.id }, after: 'unknown' } };
    case 'skipped':
      return { ...base, outcome: { kind: 'skipped' } };
    case 'pending':
      // Only authenticators with an explain entry point have JWKS credentials; never reached.
      return { ...base, outcome: { kind: 'skipped' } };
  }
}

/** The headers handler.ts adds for the upstream once a consumer is known (X-Consumer-*, X-Credential-Identifier, X-Anonymous-Consumer). */
function identityHeaders(snap: Snapshot, consumerId: string, credentialKey: string | undefined): Record<string, string> {
  const consumer = snap.consumers.find((c) => c.id === consumerId);
  const out: Record<string, string> = { ...consumer?.upstreamHeaders };
  if (credentialKey !== undefined) {
    const credential = snap.credentials.byKey.get(credentialKey);
    out['x-credential-identifier'] = credential?.keyHeader ?? credentialKey;
  } else out['x-anonymous-consumer'] = 'true';
  return out;
}

function firstHeader(rawHeaders: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === lowerName) return rawHeaders[i + 1];
  return undefined;
}

/** The client's X-Request-ID when the proxy would keep it (request-id.ts's rule); else a stand-in for the generated one. */
export const GENERATED_REQUEST_ID = '<generated>';
function requestIdOf(rawHeaders: readonly string[]): string {
  const v = firstHeader(rawHeaders, 'x-request-id');
  return keepsRequestId(v) ? v : GENERATED_REQUEST_ID;
}
