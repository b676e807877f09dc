import type { CompiledRoute, MatchInput } from '../types.js';
import { comparePriority, parseRouteHost, routeEntries, type RouteEntry } from './entries.js';

/** One matcher field a route failed on, in the router's own terms. */
export interface FailedField {
  field: 'protocol' | 'host' | 'method' | 'header' | 'path';
  /** What the route wants, e.g. "one of api.example.com, *.example.org". */
  wanted: string;
  /** What the request had. */
  got: string;
}

/** A matcher (one route path) ranked above the match, or any matcher when nothing matched. */
export interface RouteCandidate {
  route: CompiledRoute;
  /** The route path of this matcher (Kong splits a route with several paths into one matcher each). */
  path: string | undefined;
  failed: FailedField[];
}

export interface RouteExplanation {
  /** The first matcher, in priority order, that accepts the request; undefined: 404. */
  match: { route: CompiledRoute; path: string | undefined; strippedPath: string } | undefined;
  /** Higher-priority matchers that did not accept the request, best first, each with every field it failed. */
  candidates: RouteCandidate[];
  /** Candidates left out beyond the limit. */
  omitted: number;
}

const entriesOf = new WeakMap<readonly CompiledRoute[], RouteEntry[]>();

/** Every matcher of a snapshot in Kong's priority order (as compileRouter ranks them), built once per snapshot. */
function sortedEntries(routes: readonly CompiledRoute[]): RouteEntry[] {
  let entries = entriesOf.get(routes);
  if (entries === undefined) {
    entries = routes.flatMap((r, order) => routeEntries(r, order)).sort(comparePriority);
    entriesOf.set(routes, entries);
  }
  return entries;
}

/**
 * The slow path of compileRouter (router.ts), for explain only (docs/explain.md): every matcher in
 * the same priority order with the same field rules, but checking every field of every matcher
 * so it can say why each one above the match refused. The indexed router stays the authority on
 * the request path; test/unit/snapshot/router/explain.test.ts checks that both pick the same route.
 */
export function explainRoute(routes: readonly CompiledRoute[], input: MatchInput, limit = 25): RouteExplanation {
  const candidates: RouteCandidate[] = [];
  let omitted = 0;
  for (const e of sortedEntries(routes)) {
    const failed: FailedField[] = [];
    checkProtocol(e, input, failed);
    checkHost(e, input, failed);
    checkMethod(e, input, failed);
    checkHeaders(e, input, failed);
    const stripped = checkPath(e, input, failed);
    const path = e.pathText ?? undefined;
    if (failed.length === 0) return { match: { route: e.route, path, strippedPath: stripped! }, candidates, omitted };
    if (candidates.length < limit) candidates.push({ route: e.route, path, failed });
    else omitted++;
  }
  return { match: undefined, candidates, omitted };
}

const SCHEMES = ['any', 'plaintext (http/grpc)', 'TLS (https/grpcs)'] as const;

function checkProtocol(e: RouteEntry, input: MatchInput, failed: FailedField[]): void {
  if (e.scheme !== 0 && e.scheme !== (input.tls === true ? 2 : 1)) {
    failed.push({ field: 'protocol', wanted: `${SCHEMES[e.scheme]} (protocols ${e.route.spec.protocols.join(', ')})`, got: input.tls === true ? 'TLS' : 'plaintext' });
  }
}

/** The router's host tables: exact, "*.x" (a longer host ending in ".x"), "x.*"; a host entry with a port needs that port. */
function checkHost(e: RouteEntry, input: MatchInput, failed: FailedField[]): void {
  const hosts = e.route.spec.hosts;
  if (hosts.length === 0) return;
  const ok = hosts.some((raw) => {
    const h = parseRouteHost(raw);
    if (h.port !== undefined && h.port !== input.port) return false;
    if (input.host.length === 0) return false;
    if (h.kind === 'exact') return input.host === h.key;
    // As the router's tables: the host's tail (head) of the key's length is the key.
    return h.kind === 'suffix' ? input.host.endsWith(h.key) : input.host.startsWith(h.key);
  });
  if (!ok) failed.push({ field: 'host', wanted: `one of ${hosts.join(', ')}`, got: input.host === '' ? '(no Host)' : input.host });
}

function checkMethod(e: RouteEntry, input: MatchInput, failed: FailedField[]): void {
  if (e.methods !== null && !e.methods.has(input.method)) {
    failed.push({ field: 'method', wanted: `one of ${[...e.methods].join(', ')}`, got: input.method });
  }
}

function checkHeaders(e: RouteEntry, input: MatchInput, failed: FailedField[]): void {
  if (e.headers === null) return;
  e.route.spec.headers.forEach((spec, i) => {
    const h = e.headers![i]!;
    const raw = input.header(h.name);
    const v = raw?.toLowerCase();
    const ok = v !== undefined && (h.exact.includes(v) || h.regexes.some((r) => r.test(v)));
    if (!ok) failed.push({ field: 'header', wanted: `${spec.name}: one of ${spec.values.join(', ')}`, got: raw === undefined ? `(no ${spec.name})` : `${spec.name}: ${raw}` });
  });
}

/** The stripped path when the path field accepts the request. */
function checkPath(e: RouteEntry, input: MatchInput, failed: FailedField[]): string | undefined {
  const path = input.path;
  if (e.regex !== null) {
    const end = e.regex.matchLength(path);
    if (end >= 0) return path.slice(end);
    failed.push({ field: 'path', wanted: `regex ${e.pathText}`, got: path });
    return undefined;
  }
  if (e.prefix !== null) {
    if (path.startsWith(e.prefix)) return path.slice(e.prefix.length);
    failed.push({ field: 'path', wanted: `prefix ${e.prefix}`, got: path });
    return undefined;
  }
  return path;
}
