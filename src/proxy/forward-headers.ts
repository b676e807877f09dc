import type { HeaderNameSet } from '../snapshot/header-name-set.js';

/**
 * Upstream request headers, as Kong's runloop + nginx proxy module produce them
 * (kong/runloop/handler.lua access/after phases, the nginx-kong.conf proxy_set_header lines):
 *
 * - X-Forwarded-For: client's value(s) + ", " + the connecting peer's ip (or just the real client ip).
 * - X-Forwarded-Proto/-Host/-Port/-Path, X-Real-IP: set by the gateway; client values are replaced
 *   (Kong keeps the client's X-Forwarded-Proto/-Host/-Port/-Path/-Prefix only from trusted_ips;
 *   `trustForwarded` models that, off by default as in Kong). X-Real-IP is the real client ip
 *   (docs/client-ip.md).
 * - X-Forwarded-Prefix: the matched prefix when strip_path removed one and it is not "/"; else absent.
 * - Via: client's Via + ", " + "<http version> portcullis".
 * - Host: the client's Host (preserve_host) or the upstream's host header.
 * - Hop-by-hop removed: Connection and the headers it names, Keep-Alive, Transfer-Encoding (undici
 *   frames the body), Upgrade (undici adds it back for a WebSocket handshake: upgrade.ts), Proxy-Connection, Proxy (httpoxy), Expect (undici
 *   refuses it), Trailer; TE is reduced to "trailers" when the client asked for trailers (Kong).
 *   Proxy-Authorization is forwarded, as Kong does.
 * - Stricter than Kong (docs/kong-compatibility.md#stricter-than-kong): client-sent identity headers (X-Consumer-ID,
 *   X-Consumer-Custom-ID, X-Consumer-Username, X-Credential-Identifier, X-Anonymous-Consumer) are
 *   always removed; the jwt plugin appends the real ones after this. So are the headers jwt-claims
 *   mappings set (`stripHeaders`, docs/claims.md#stripped-headers), on every route.
 * - Header names with "_" are dropped, as nginx (underscores_in_headers off) and so Kong drop them:
 *   CGI/WSGI/Rack upstreams fold "_" and "-" together (X_Consumer_Username → HTTP_X_CONSUMER_USERNAME),
 *   so an underscore spelling would pass as a header the gateway sets. `keepUnderscoreHeaders`
 *   forwards them, except spellings that fold onto a header the gateway sets or strips.
 */

export interface ForwardContext {
  /** Address of the peer that connected to us. */
  clientIp: string;
  /** The real client address (client-ip.ts) when it differs from the peer's; default clientIp. */
  realIp?: string;
  /** Scheme the client used to reach us. */
  proto: 'http' | 'https';
  /** nginx $host: the request's host without port, lower-cased. */
  host: string;
  /** Port the client connected to (the listener's port). */
  port: number;
  /** Raw request path as received (before normalization), without the query string. */
  rawPath: string;
  /** Matched prefix removed by strip_path (request path minus RouteMatch.strippedPath); "" for none. */
  strippedPrefix: string;
  preserveHost: boolean;
  /** Upstream.hostHeader, sent when preserveHost is false. */
  upstreamHostHeader: string;
  /** Inbound HTTP version for Via ("1.1", "2"); default "1.1". */
  httpVersion?: string;
  /** Keep the client's X-Forwarded-Proto/-Host/-Port/-Path/-Prefix (Kong's trusted_ips). */
  trustForwarded?: boolean;
  /** Forward header names containing "_" (nginx's underscores_in_headers on); protected spellings still go. */
  keepUnderscoreHeaders?: boolean;
  /** Headers jwt-claims mappings set (Snapshot.claimHeaders): always removed, like X-Consumer-*. */
  stripHeaders?: HeaderNameSet;
}

/** What to do with a client header, by lower-cased name. */
const enum Action {
  Drop = 1,
  XForwardedFor,
  Via,
  Host,
  Connection,
  Te,
  /** Replaced by the gateway unless the client is trusted. */
  Forwarded,
}

const ACTIONS = new Map<string, Action>([
  ['x-consumer-id', Action.Drop],
  ['x-consumer-custom-id', Action.Drop],
  ['x-consumer-username', Action.Drop],
  ['x-credential-identifier', Action.Drop],
  ['x-anonymous-consumer', Action.Drop],
  // The acl plugin's (docs/acl.md#upstream-header): never the client's, as the X-Consumer-* above.
  ['x-consumer-groups', Action.Drop],
  ['x-authenticated-groups', Action.Drop],
  ['keep-alive', Action.Drop],
  ['transfer-encoding', Action.Drop],
  ['upgrade', Action.Drop],
  ['proxy-connection', Action.Drop],
  ['proxy', Action.Drop],
  ['expect', Action.Drop],
  ['trailer', Action.Drop],
  ['x-real-ip', Action.Drop],
  // The proxy handler sets the request id it validated (or generated) itself.
  ['x-request-id', Action.Drop],
  ['connection', Action.Connection],
  ['te', Action.Te],
  ['x-forwarded-for', Action.XForwardedFor],
  ['via', Action.Via],
  ['host', Action.Host],
  ['x-forwarded-proto', Action.Forwarded],
  ['x-forwarded-host', Action.Forwarded],
  ['x-forwarded-port', Action.Forwarded],
  ['x-forwarded-path', Action.Forwarded],
  ['x-forwarded-prefix', Action.Forwarded],
]);

/**
 * ACTIONS by name length: a request header is classified with at most a few ASCII case-insensitive
 * compares against same-length names, without a lower-cased copy (a fresh string per header,
 * hashed again for the Map lookup) — most headers are dismissed by their length or first byte.
 */
const BY_LENGTH: Array<Array<[string, Action]> | undefined> = [];
for (const [name, action] of ACTIONS) (BY_LENGTH[name.length] ??= []).push([name, action]);

/** `name` equals the lower-case `lower` (same length) ignoring ASCII case. */
function sameLower(name: string, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** [lower-case name, action] for a header the builder treats specially, else undefined. */
function classify(name: string): [string, Action] | undefined {
  const candidates = BY_LENGTH[name.length];
  if (candidates === undefined) return undefined;
  for (const c of candidates) if (sameLower(name, c[0])) return c;
  return undefined;
}

/**
 * `name` (which contains "_") reads as a header the gateway sets or strips once "_" is taken as
 * "-" and case is folded, as CGI-style upstreams do: X_Consumer_ID, x-forwarded_for, X_REAL_IP.
 */
export function foldsOntoProtected(name: string, strip?: HeaderNameSet): boolean {
  const folded = name.replace(/_/g, '-').toLowerCase();
  return ACTIONS.has(folded) || strip?.has(folded) === true;
}

/** Header names listed in Connection that must go (Kong ignores keep-alive/close/upgrade tokens). */
function connectionTokens(values: string[]): Set<string> | null {
  let out: Set<string> | null = null;
  for (const v of values) {
    for (const part of v.split(',')) {
      const t = part.trim().toLowerCase();
      if (t === '' || t === 'keep-alive' || t === 'close' || t === 'upgrade') continue;
      (out ??= new Set()).add(t);
    }
  }
  return out;
}

/**
 * Builds the upstream header list from node's `req.rawHeaders` (order and repeats kept) in one
 * pass. Returns a flat [name, value, name, value, …] array, which undici's `headers` accepts.
 */
export function buildUpstreamHeaders(rawHeaders: readonly string[], ctx: ForwardContext): string[] {
  const out: string[] = [];
  let xff: string | undefined;
  let via: string | undefined;
  let clientHost: string | undefined;
  let connection: string[] | undefined;
  let wantsTrailers = false;
  const trusted = ctx.trustForwarded === true;
  const keepUnderscores = ctx.keepUnderscoreHeaders === true;
  const strip = ctx.stripHeaders;
  let fwdProto: string | undefined;
  let fwdHost: string | undefined;
  let fwdPort: string | undefined;
  let fwdPath: string | undefined;
  let fwdPrefix: string | undefined;

  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const value = rawHeaders[i + 1]!;
    const special = classify(name);
    if (special === undefined) {
      // "_" (0x5f) cannot be in any classified name, so only unclassified names need the check.
      if (name.indexOf('_') === -1 ? strip === undefined || !strip.has(name) : keepUnderscores && !foldsOntoProtected(name, strip)) out.push(name, value);
      continue;
    }
    const lower = special[0];
    switch (special[1]) {
      case Action.Drop:
        break;
      case Action.XForwardedFor:
        xff = xff === undefined ? value : `${xff}, ${value}`;
        break;
      case Action.Via:
        via = via === undefined ? value : `${via}, ${value}`;
        break;
      case Action.Host:
        clientHost ??= value;
        break;
      case Action.Connection:
        (connection ??= []).push(value);
        break;
      case Action.Te:
        if (value.toLowerCase().split(',').some((t) => t.trim() === 'trailers')) wantsTrailers = true;
        break;
      case Action.Forwarded:
        if (trusted) {
          // First occurrence wins, as nginx's $http_x_… does.
          if (lower === 'x-forwarded-proto') fwdProto ??= value;
          else if (lower === 'x-forwarded-host') fwdHost ??= value;
          else if (lower === 'x-forwarded-port') fwdPort ??= value;
          else if (lower === 'x-forwarded-path') fwdPath ??= value;
          else fwdPrefix ??= value;
        }
        break;
    }
  }

  let result = out;
  if (connection !== undefined) {
    const listed = connectionTokens(connection);
    if (listed !== null) {
      result = [];
      for (let i = 0; i < out.length; i += 2) {
        if (!listed.has(out[i]!.toLowerCase())) result.push(out[i]!, out[i + 1]!);
      }
    }
  }

  const host = ctx.preserveHost ? (clientHost ?? ctx.host) : ctx.upstreamHostHeader;
  result.push('host', host);
  if (wantsTrailers) result.push('te', 'trailers');
  const realIp = ctx.realIp ?? ctx.clientIp;
  result.push('x-forwarded-for', xff === undefined ? realIp : `${xff}, ${ctx.clientIp}`);
  result.push('x-forwarded-proto', fwdProto ?? ctx.proto);
  result.push('x-forwarded-host', fwdHost ?? ctx.host);
  result.push('x-forwarded-port', fwdPort ?? String(ctx.port));
  result.push('x-forwarded-path', fwdPath ?? ctx.rawPath);
  const prefix = fwdPrefix ?? (ctx.strippedPrefix !== '' && ctx.strippedPrefix !== '/' ? ctx.strippedPrefix : undefined);
  if (prefix !== undefined) result.push('x-forwarded-prefix', prefix);
  result.push('x-real-ip', realIp);
  const ownVia = `${ctx.httpVersion ?? '1.1'} portcullis`;
  result.push('via', via === undefined ? ownVia : `${via}, ${ownVia}`);
  return result;
}

/** The names buildUpstreamHeaders always removes from the client's request (for tests and docs). */
export const SPOOFABLE_IDENTITY_HEADERS: readonly string[] = [
  'x-consumer-id',
  'x-consumer-custom-id',
  'x-consumer-username',
  'x-credential-identifier',
  'x-anonymous-consumer',
  'x-consumer-groups',
  'x-authenticated-groups',
];
