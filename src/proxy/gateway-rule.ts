import type { ServerResponse } from 'node:http';
import type { GatewayHeaderModifier } from '../model/gateway-routes.js';
import type { GatewayRouteRuntime, Upstream } from '../snapshot/types.js';
import { SERVER_HEADER } from './error-response.js';
import { escapeUpstreamPath } from './paths.js';

/**
 * What an HTTPRoute rule does to a request beyond Kong's pipeline (docs/gateway-api.md#filters):
 * weighted backend choice, RequestRedirect, URLRewrite and the header modifiers. Only requests
 * matched by an HTTPRoute get here (CompiledRoute.gateway set).
 */

/** A backend by weight, per request; undefined when none can be chosen (no weight, or an unresolvable ref): 500. */
export function pickGatewayUpstream(gw: GatewayRouteRuntime, random = Math.random): Upstream | undefined {
  const backends = gw.backends;
  if (backends.length === 1) return backends[0]!.weight > 0 ? backends[0]!.upstream : undefined;
  if (gw.totalWeight <= 0) return undefined;
  let n = random() * gw.totalWeight;
  for (const b of backends) {
    if (n < b.weight) return b.upstream;
    n -= b.weight;
  }
  return backends[backends.length - 1]!.upstream;
}

/** ReplacePrefixMatch: the matched prefix of `path` replaced, element-wise ("/" + rest when the replacement is "/"). */
export function replacePrefix(path: string, prefix: string, replacement: string): string {
  const rest = path.slice(prefix.length);
  const head = replacement.endsWith('/') ? replacement.slice(0, -1) : replacement;
  const out = head + rest;
  return out === '' ? '/' : out.startsWith('/') ? out : `/${out}`;
}

function rewrittenPath(gw: GatewayRouteRuntime, mod: { type: string; value: string } | undefined, path: string): string {
  if (mod === undefined) return path;
  if (mod.type === 'ReplaceFullPath') return mod.value;
  return replacePrefix(path, gw.prefix ?? '', mod.value);
}

/** The upstream request target when a URLRewrite changes the path; the query is kept. */
export function gatewayUpstreamPath(gw: GatewayRouteRuntime, path: string, rawQuery: string): string {
  const p = escapeUpstreamPath(rewrittenPath(gw, gw.rewrite?.path, path));
  return rawQuery === '' ? p : `${p}?${rawQuery}`;
}

/** Header modifier on a flat [name, value, …] list: remove, then set (replace), then add (RFC 9110 field lines). */
export function modifyHeaders(headers: string[], mod: GatewayHeaderModifier): string[] {
  const drop = new Set<string>(mod.remove);
  for (const [name] of mod.set) drop.add(name);
  const out: string[] = [];
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (!drop.has(headers[i]!.toLowerCase())) out.push(headers[i]!, headers[i + 1]!);
  }
  for (const [name, value] of mod.set) out.push(name, value);
  for (const [name, value] of mod.add) out.push(name, value);
  return out;
}

/** RequestHeaderModifier and a URLRewrite hostname, on the upstream request's headers. */
export function gatewayRequestHeaders(headers: string[], gw: GatewayRouteRuntime): string[] {
  let out = gw.requestHeaders === undefined ? headers : modifyHeaders(headers, gw.requestHeaders);
  const host = gw.rewrite?.hostname;
  if (host !== undefined) out = modifyHeaders(out, { set: [['host', host]], add: [], remove: [] });
  return out;
}

/**
 * RequestRedirect: scheme, host and port from the filter or the request; no port for a scheme's
 * default; a port from the listener the request came in on (80 / 443, docs/gateway-api.md#listeners)
 * when the filter names neither scheme nor port.
 */
export function gatewayRedirectLocation(gw: GatewayRouteRuntime, req: { tls: boolean; host: string; path: string; rawQuery: string }): string {
  const r = gw.redirect!;
  const scheme = r.scheme ?? (req.tls ? 'https' : 'http');
  const port = r.port ?? (r.scheme !== undefined ? (r.scheme === 'https' ? 443 : 80) : (r.listenerPort ?? (req.tls ? 443 : 80)));
  const defaultPort = (scheme === 'https' && port === 443) || (scheme === 'http' && port === 80);
  const host = r.hostname ?? req.host;
  const path = rewrittenPath(gw, r.path, req.path);
  return `${scheme}://${host}${defaultPort ? '' : `:${port}`}${escapeUpstreamPath(path)}${req.rawQuery === '' ? '' : `?${req.rawQuery}`}`;
}

export function sendGatewayRedirect(res: ServerResponse, gw: GatewayRouteRuntime, req: { tls: boolean; host: string; path: string; rawQuery: string }, requestId: string): void {
  res.writeHead(gw.redirect!.statusCode, { location: gatewayRedirectLocation(gw, req), 'content-length': 0, 'x-request-id': requestId, server: SERVER_HEADER });
  res.end();
}
