/**
 * HTTPRoute matching with the Gateway API's precedence (docs/gateway-api.md#precedence), which is
 * not Kong's: within the most specific hostname (exact, then the longest "*." suffix, then any
 * host), the first entry in `compareGatewayPrecedence` order that matches wins. Consulted before the
 * Kong-compatible router; only built when HTTPRoutes are configured, so Route CRs and kong.yml
 * routes pay nothing for it.
 */
import { RE2JS } from 're2js';
import type { CompiledRoute, MatchInput, RouteMatch, Router } from './types.js';

/** A full-match regex on the linear-time engine (as Route CR regexes, snapshot/router/regex.ts). */
export interface FullMatchRegex {
  matches(value: string): boolean;
}

export function compileGatewayRegex(pattern: string): FullMatchRegex | { error: string } {
  try {
    const re = RE2JS.compile(pattern);
    return { matches: (v) => re.matches(v) };
  } catch (err) {
    return { error: (err as Error).message.replace(/^error parsing regexp: /, '') };
  }
}

export type GatewayPathType = 'Exact' | 'PathPrefix' | 'RegularExpression';

interface ValueMatch {
  name: string;
  exact?: string;
  regex?: FullMatchRegex;
}

/** One HTTPRoute match of one rule, on one side (plaintext or TLS). */
export interface GatewayRouteEntry {
  route: CompiledRoute;
  /** Lower-case; exact or "*.suffix"; [] = any host. */
  hostnames: readonly string[];
  tls: boolean;
  /** Per-Gateway data plane: the pod port requests must arrive on (docs/gateway-api.md#one-address-per-gateway). */
  listenerPort?: number;
  /** With listenerPort: its listener's hostname ('' = none); only the most specific listener of the port matching the host routes. */
  listenerHostname?: string;
  pathType: GatewayPathType;
  /** Exact / RegularExpression: as written; PathPrefix: without a trailing "/" ("" for "/"). */
  pathValue: string;
  pathRegex?: FullMatchRegex;
  method?: string;
  headers: readonly ValueMatch[];
  queryParams: readonly ValueMatch[];
  /** Tie breakers: creationTimestamp (ISO, "" = unknown, sorted last), "namespace/name", rule, match. */
  createdAt: string;
  objectKey: string;
  ruleIndex: number;
  matchIndex: number;
}

const PATH_RANK: Record<GatewayPathType, number> = { Exact: 0, RegularExpression: 1, PathPrefix: 2 };

/**
 * The Gateway API order: Exact path, then (ours, implementation-specific) regex, then the longest
 * prefix; a method; more header matches; more query matches; the oldest route; namespace/name;
 * rule then match order within the route.
 */
export function compareGatewayPrecedence(a: GatewayRouteEntry, b: GatewayRouteEntry): number {
  return (
    PATH_RANK[a.pathType] - PATH_RANK[b.pathType] ||
    b.pathValue.length - a.pathValue.length ||
    (b.method !== undefined ? 1 : 0) - (a.method !== undefined ? 1 : 0) ||
    b.headers.length - a.headers.length ||
    b.queryParams.length - a.queryParams.length ||
    compareCreated(a.createdAt, b.createdAt) ||
    (a.objectKey < b.objectKey ? -1 : a.objectKey > b.objectKey ? 1 : 0) ||
    a.ruleIndex - b.ruleIndex ||
    a.matchIndex - b.matchIndex
  );
}

function compareCreated(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return 1;
  if (b === '') return -1;
  return a < b ? -1 : 1;
}

/** PathPrefix semantics: element-wise ("/foo" matches "/foo" and "/foo/bar", not "/foobar"). */
export function pathMatches(e: Pick<GatewayRouteEntry, 'pathType' | 'pathValue' | 'pathRegex'>, path: string): boolean {
  switch (e.pathType) {
    case 'Exact':
      return path === e.pathValue;
    case 'PathPrefix': {
      const p = e.pathValue;
      return p === '' || path === p || (path.startsWith(p) && path.charCodeAt(p.length) === 0x2f);
    }
    case 'RegularExpression':
      return e.pathRegex !== undefined && e.pathRegex.matches(path);
  }
}

function valueMatches(m: ValueMatch, value: string | undefined): boolean {
  if (value === undefined) return false;
  return m.exact !== undefined ? value === m.exact : m.regex !== undefined && m.regex.matches(value);
}

/** First value of each query parameter (names case-sensitive, values percent-decoded). */
function parseQuery(raw: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq === -1 ? part : part.slice(0, eq);
    const rawValue = eq === -1 ? '' : part.slice(eq + 1);
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      value = decodeURIComponent(rawValue.replace(/\+/g, ' '));
    } catch {
      continue;
    }
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}

/** Per request: the parsed query, and with per-Gateway ports the local port and its chosen listener hostname. */
interface MatchState {
  parsed?: Map<string, string>;
  port?: number | undefined;
  listener?: string | undefined;
}

function entryMatches(e: GatewayRouteEntry, input: MatchInput, query: MatchState): boolean {
  if (e.tls !== (input.tls === true)) return false;
  if (e.listenerPort !== undefined && (e.listenerPort !== query.port || e.listenerHostname !== query.listener)) return false;
  if (!pathMatches(e, input.path)) return false;
  if (e.method !== undefined && e.method !== input.method) return false;
  for (const h of e.headers) if (!valueMatches(h, input.header(h.name))) return false;
  if (e.queryParams.length > 0) {
    const parsed = (query.parsed ??= parseQuery(input.rawQuery ?? ''));
    for (const q of e.queryParams) if (!valueMatches(q, parsed.get(q.name))) return false;
  }
  return true;
}

/**
 * Buckets by hostname, each in precedence order; then `fallback` (the Kong-compatible router of the
 * Route CRs) for requests no HTTPRoute matches.
 */
export function compileGatewayRouter(entries: readonly GatewayRouteEntry[], fallback: Router): Router {
  const sorted = [...entries].sort(compareGatewayPrecedence);
  const exact = new Map<string, GatewayRouteEntry[]>();
  /** Keyed by ".suffix" (from "*.suffix"). */
  const wildcard = new Map<string, GatewayRouteEntry[]>();
  const anyHost: GatewayRouteEntry[] = [];
  const push = (m: Map<string, GatewayRouteEntry[]>, k: string, e: GatewayRouteEntry) => {
    const list = m.get(k);
    if (list === undefined) m.set(k, [e]);
    else if (list[list.length - 1] !== e) list.push(e);
  };
  for (const e of sorted) {
    if (e.hostnames.length === 0) anyHost.push(e);
    for (const h of e.hostnames) {
      if (h.startsWith('*.')) push(wildcard, h.slice(1), e);
      else push(exact, h, e);
    }
  }
  const suffixLengths = [...new Set([...wildcard.keys()].map((k) => k.length))].sort((a, b) => b - a);
  const routes = new Set(sorted.map((e) => e.route));
  const listeners = listenerTables(sorted);

  function first(list: readonly GatewayRouteEntry[] | undefined, input: MatchInput, query: MatchState): GatewayRouteEntry | undefined {
    if (list === undefined) return undefined;
    for (const e of list) if (entryMatches(e, input, query)) return e;
    return undefined;
  }

  return {
    size: routes.size + fallback.size,
    match(input: MatchInput): RouteMatch | undefined {
      const host = input.host;
      const query: MatchState = {};
      if (listeners !== undefined) {
        // Per-Gateway ports (docs/gateway-api.md#one-address-per-gateway): the most specific listener of the port decides.
        query.port = input.listenerPort?.();
        const table = query.port === undefined ? undefined : listeners.get(query.port);
        if (table !== undefined) query.listener = table.pick(host);
      }
      let hit = first(exact.get(host), input, query);
      for (let i = 0; hit === undefined && i < suffixLengths.length; i++) {
        const len = suffixLengths[i]!;
        // "*.example.com" needs at least one label in front of ".example.com".
        if (host.length > len) hit = first(wildcard.get(host.slice(host.length - len)), input, query);
      }
      hit ??= first(anyHost, input, query);
      if (hit !== undefined) return { route: hit.route, strippedPath: input.path };
      return fallback.match(input);
    },
  };
}

/** The listener hostnames of one per-Gateway pod port: picks the most specific one matching a host. */
interface ListenerTable {
  pick(host: string): string | undefined;
}

function listenerTables(entries: readonly GatewayRouteEntry[]): Map<number, ListenerTable> | undefined {
  const byPort = new Map<number, Set<string>>();
  for (const e of entries) {
    if (e.listenerPort === undefined) continue;
    let set = byPort.get(e.listenerPort);
    if (set === undefined) byPort.set(e.listenerPort, (set = new Set()));
    set.add(e.listenerHostname ?? '');
  }
  if (byPort.size === 0) return undefined;
  const out = new Map<number, ListenerTable>();
  for (const [port, names] of byPort) {
    const exact = new Set([...names].filter((n) => n !== '' && !n.startsWith('*.')));
    // Longest suffix first: "*.foo.example.com" before "*.example.com".
    const wild = [...names].filter((n) => n.startsWith('*.')).map((n) => n.slice(1)).sort((a, b) => b.length - a.length);
    const any = names.has('');
    out.set(port, {
      pick(host) {
        if (exact.has(host)) return host;
        for (const w of wild) if (host.length > w.length && host.endsWith(w)) return `*${w}`;
        return any ? '' : undefined;
      },
    });
  }
  return out;
}
