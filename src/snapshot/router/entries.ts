import type { CompiledRoute } from '../types.js';
import { compileHeaderRegex, compileRouteRegex, type HeaderRegex, type RouteRegex } from './regex.js';

/**
 * One matcher per (route, path) — Kong 3.x's traditional_compatible router splits a route with
 * several paths into one matcher per path, each with its own priority (kong/router/compat.lua).
 */
export interface RouteEntry {
  route: CompiledRoute;
  /** Position in the sorted order: lower wins. */
  rank: number;
  /** Position of the route in the input (last tie-break). */
  order: number;
  methods: ReadonlySet<string> | null;
  headers: readonly HeaderCheck[] | null;
  /** Which connections the route matches on: 0 any, 1 plaintext only, 2 TLS only (routeScheme). */
  scheme: 0 | 1 | 2;
  prefix: string | null;
  regex: RouteRegex | null;
  /** The route path this matcher was built from, as written ("~/users/\\d+$"); null when path-less. */
  pathText: string | null;
  /** Literal text every path the regex matches starts with ('' = unknown): skips most exec calls. */
  regexLiteral: string;
  // Priority fields, most significant first (kong/router/transform.lua get_priority).
  weight: number;
  plainHostOnly: number;
  headerCount: number;
  isRegex: number;
  regexPriority: number;
  prefixLength: number;
}

export interface HeaderCheck {
  name: string;
  /** Lower-cased exact values. */
  exact: readonly string[];
  regexes: readonly HeaderRegex[];
}

export interface ParsedHost {
  kind: 'exact' | 'suffix' | 'prefix';
  /** exact: the host; suffix: ".example.com" (from "*.example.com"); prefix: "example." (from "example.*"). */
  key: string;
  port: number | undefined;
}

/** Kong's split_host_port: "host:port" with a numeric port; otherwise the whole string is the host. */
export function parseRouteHost(raw: string): ParsedHost {
  let host = raw.toLowerCase();
  let port: number | undefined;
  const colon = host.indexOf(':');
  if (colon !== -1 && !host.startsWith('[')) {
    const n = Number(host.slice(colon + 1));
    if (Number.isInteger(n) && host.length > colon + 1) {
      port = n;
      host = host.slice(0, colon);
    }
  }
  if (host.endsWith('*')) return { kind: 'prefix', key: host.slice(0, -1), port };
  // One trailing dot names the same host; request hosts lose theirs too (proxy/host-header.ts).
  if (host.length > 1 && host.endsWith('.')) host = host.slice(0, -1);
  if (host.startsWith('*')) return { kind: 'suffix', key: host.slice(1), port };
  return { kind: 'exact', key: host, port };
}

function compileHeaders(route: CompiledRoute): HeaderCheck[] | null {
  const specs = route.spec.headers;
  if (specs.length === 0) return null;
  const checks: HeaderCheck[] = [];
  for (const h of specs) {
    const exact: string[] = [];
    const regexes: HeaderRegex[] = [];
    for (const v of h.values) {
      if (v.startsWith('~*')) {
        const re = compileHeaderRegex(v);
        // The translator rejects routes with invalid regexes; a leftover one can never match.
        if (!('error' in re)) regexes.push(re);
      } else {
        exact.push(v.toLowerCase());
      }
    }
    checks.push({ name: h.name.toLowerCase(), exact, regexes });
  }
  return checks;
}

/**
 * Kong 3.x matches `net.protocol` against the route's protocols (grpc as http, grpcs as https),
 * except for a route whose only protocol is https: it matches plaintext too, so that the request
 * gets its 426 or redirect (kong/router/expressions.lua; proxy/https-redirect.ts).
 */
export function routeScheme(protocols: readonly string[]): 0 | 1 | 2 {
  if (protocols.length === 0 || (protocols.length === 1 && protocols[0] === 'https')) return 0;
  const plain = protocols.some((p) => p === 'http' || p === 'grpc');
  const tls = protocols.some((p) => p === 'https' || p === 'grpcs');
  return plain === tls ? 0 : plain ? 1 : 2;
}

/** Builds the entries of one route (one per path, or a single path-less one). */
export function routeEntries(route: CompiledRoute, order: number): RouteEntry[] {
  const spec = route.spec;
  const methods = spec.methods.length > 0 ? new Set(spec.methods) : null;
  const headers = compileHeaders(route);
  const headerCount = headers ? Math.min(headers.length, 255) : 0;
  const hasHosts = spec.hosts.length > 0;
  const plainHostOnly = hasHosts && spec.hosts.every((h) => !h.includes('*')) ? 1 : 0;
  const weight =
    (methods ? 1 : 0) + (hasHosts ? 1 : 0) + (headers ? 1 : 0) + (spec.paths.length > 0 ? 1 : 0);
  const base = {
    route,
    rank: 0,
    order,
    methods,
    headers,
    scheme: routeScheme(spec.protocols),
    weight,
    plainHostOnly,
    headerCount,
  };
  if (spec.paths.length === 0) {
    return [{ ...base, prefix: null, regex: null, pathText: null, regexLiteral: '', isRegex: 0, regexPriority: 0, prefixLength: 0 }];
  }
  const out: RouteEntry[] = [];
  for (const path of spec.paths) {
    if (path.startsWith('~')) {
      const re = compileRouteRegex(path);
      if ('error' in re) continue;
      out.push({ ...base, prefix: null, regex: re, pathText: path, regexLiteral: regexLiteralPrefix(path.slice(1)), isRegex: 1, regexPriority: spec.regexPriority, prefixLength: 0 });
    } else {
      out.push({
        ...base,
        prefix: path,
        regex: null,
        pathText: path,
        regexLiteral: '',
        isRegex: 0,
        regexPriority: 0,
        prefixLength: Buffer.byteLength(path),
      });
    }
  }
  return out;
}

/**
 * The literal start of a Kong path regex (anchored at the path start, see regex.ts): the leading
 * characters that can only match themselves. '' when unsure: an alternation anywhere, a leading
 * inline flag, or no plain first character. A character followed by a quantifier is not included.
 * With 10,000 routes the host-less bucket holds every regex route, and all of them ran on each
 * host-less request before this prefilter.
 */
export function regexLiteralPrefix(pattern: string): string {
  if (pattern.includes('|')) return '';
  let n = 0;
  while (n < pattern.length && /[A-Za-z0-9/_~%,;:=@-]/.test(pattern[n]!)) n++;
  if (n < pattern.length && '?*{'.includes(pattern[n]!)) n--;
  return n > 0 ? pattern.slice(0, n) : '';
}

/**
 * Kong's priority, highest first: number of match fields; hosts without wildcards; number of
 * headers; regex over prefix; regex_priority (regex paths only); longer prefix. Kong breaks exact
 * ties by the matcher's uuid (effectively arbitrary); we use input order, which is deterministic.
 */
export function comparePriority(a: RouteEntry, b: RouteEntry): number {
  return (
    b.weight - a.weight ||
    b.plainHostOnly - a.plainHostOnly ||
    b.headerCount - a.headerCount ||
    b.isRegex - a.isRegex ||
    b.regexPriority - a.regexPriority ||
    b.prefixLength - a.prefixLength ||
    a.order - b.order
  );
}
