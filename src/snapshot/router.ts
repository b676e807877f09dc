/**
 * Kong-compatible HTTP router (3.x traditional_compatible semantics; see router/entries.ts for
 * the priority order). Matching cost does not grow with the number of routes:
 *
 *   host index (exact Map; "*.x" / "x.*" wildcards looked up by suffix / prefix length at '.'
 *   boundaries; host-less group) → bucket → prefix radix tree + regexes indexed by their literal
 *   start in a second radix tree (the rest in a list) + path-less list.
 *
 * Every entry has a global rank (its position in priority order), so the best match across the
 * few buckets a request touches is the lowest rank; whole tables and buckets are skipped, and each
 * list scan stops, as soon as their ranks can no longer beat the best match so far. Regexes run
 * only when the path starts with their literal text and they could still win.
 */
import type { CompiledRoute, MatchInput, RouteMatch, Router } from './types.js';
import { comparePriority, parseRouteHost, routeEntries, type RouteEntry } from './router/entries.js';
import { PrefixTree, type PrefixNode } from './router/prefix-tree.js';

export { compileRouteRegex, compileHeaderRegex, type RouteRegex, type HeaderRegex } from './router/regex.js';

class Bucket {
  readonly prefixes = new PrefixTree<RouteEntry>();
  hasPrefixes = false;
  /** Regexes with a literal start, indexed by it: a path only meets the ones it starts with. */
  readonly regexTree = new PrefixTree<RouteEntry>();
  hasRegexTree = false;
  /** Regexes without a known literal start: tried on every path. */
  readonly regexes: RouteEntry[] = [];
  readonly pathless: RouteEntry[] = [];
  /** Best (lowest) rank in this bucket: a bucket that cannot beat the best match so far is skipped. */
  minRank = Infinity;
  /**
   * The bucket's one entry when it has exactly one and it is a plain prefix (one route per host is
   * common): checked directly, without walking the tree's nodes.
   */
  only: RouteEntry | null = null;
  #count = 0;
  #first: RouteEntry | null = null;

  add(e: RouteEntry): void {
    if (this.#count++ === 0) this.#first = e;
    if (e.rank < this.minRank) this.minRank = e.rank;
    if (e.regex) {
      if (e.regexLiteral === '') this.regexes.push(e);
      else {
        this.regexTree.insert(e.regexLiteral, e);
        this.hasRegexTree = true;
      }
    } else if (e.prefix !== null) {
      this.prefixes.insert(e.prefix, e);
      this.hasPrefixes = true;
    } else this.pathless.push(e);
  }

  finalize(): void {
    const byRank = (a: RouteEntry, b: RouteEntry) => a.rank - b.rank;
    this.regexes.sort(byRank);
    this.pathless.sort(byRank);
    this.prefixes.finalize((items) => items.sort(byRank));
    this.regexTree.finalize((items) => items.sort(byRank));
    const first = this.#first;
    this.only = this.#count === 1 && first !== null && first.regex === null && first.prefix !== null ? first : null;
  }
}

/** Buckets keyed by host (exact host, wildcard suffix or wildcard prefix), with or without port. */
class HostTable {
  readonly any = new Map<string, Bucket>();
  readonly byPort = new Map<number, Map<string, Bucket>>();
  /** Distinct key lengths (wildcards are looked up by slicing the request host to these lengths). */
  lengths: number[] = [];
  /** Best rank of any bucket in the table. */
  minRank = Infinity;
  /**
   * The character every key has at its wildcard end ('.' of ".example.com" / "example."), or -1:
   * a host is only sliced and looked up where it has that character, not at every key length.
   */
  boundary = -1;

  constructor(private readonly boundaryAt: 'first' | 'last' | 'none') {}

  bucket(key: string, port: number | undefined): Bucket {
    let map = this.any;
    if (port !== undefined) {
      map = this.byPort.get(port) ?? new Map();
      this.byPort.set(port, map);
    }
    let b = map.get(key);
    if (b === undefined) {
      b = new Bucket();
      map.set(key, b);
    }
    return b;
  }

  finalize(): void {
    const lengths = new Set<number>();
    const boundaries = new Set<number>();
    for (const map of [this.any, ...this.byPort.values()]) {
      for (const [key, b] of map) {
        lengths.add(key.length);
        if (this.boundaryAt !== 'none') boundaries.add(key.charCodeAt(this.boundaryAt === 'first' ? 0 : key.length - 1));
        if (b.minRank < this.minRank) this.minRank = b.minRank;
        b.finalize();
      }
    }
    this.lengths = [...lengths].sort((a, b) => b - a);
    this.boundary = boundaries.size === 1 ? [...boundaries][0]! : -1;
  }

  get size(): number {
    return this.any.size + this.byPort.size;
  }
}

export function compileRouter(routes: readonly CompiledRoute[]): Router {
  const entries: RouteEntry[] = [];
  routes.forEach((route, order) => {
    for (const e of routeEntries(route, order)) entries.push(e);
  });
  entries.sort(comparePriority);
  entries.forEach((e, i) => (e.rank = i));

  const exact = new HostTable('none');
  const suffix = new HostTable('first');
  const prefix = new HostTable('last');
  const hostless = new Bucket();
  for (const e of entries) {
    const hosts = e.route.spec.hosts;
    if (hosts.length === 0) {
      hostless.add(e);
      continue;
    }
    // A route listing the same host twice must not be inserted twice into one bucket.
    const seen = new Set<Bucket>();
    for (const raw of hosts) {
      const h = parseRouteHost(raw);
      const table = h.kind === 'exact' ? exact : h.kind === 'suffix' ? suffix : prefix;
      const b = table.bucket(h.key, h.port);
      if (!seen.has(b)) {
        seen.add(b);
        b.add(e);
      }
    }
  }
  exact.finalize();
  suffix.finalize();
  prefix.finalize();
  hostless.finalize();

  // Match state: `match` is synchronous, so one set of variables serves every call.
  const scratchNodes: PrefixNode<RouteEntry>[] = [];
  const scratchDepths: number[] = [];
  let bestRank = Infinity;
  let bestEntry: RouteEntry | undefined;
  let bestStripped = '';

  function passesFilters(e: RouteEntry, input: MatchInput): boolean {
    if (e.scheme !== 0 && e.scheme !== (input.tls === true ? 2 : 1)) return false;
    if (e.methods !== null && !e.methods.has(input.method)) return false;
    const headers = e.headers;
    if (headers !== null) {
      for (let i = 0; i < headers.length; i++) {
        const h = headers[i]!;
        const raw = input.header(h.name);
        if (raw === undefined) return false;
        const v = raw.toLowerCase();
        let ok = h.exact.includes(v);
        for (let j = 0; !ok && j < h.regexes.length; j++) ok = h.regexes[j]!.test(v);
        if (!ok) return false;
      }
    }
    return true;
  }

  function searchBucket(b: Bucket, input: MatchInput): void {
    if (b.minRank >= bestRank) return;
    const path = input.path;
    const only = b.only;
    if (only !== null) {
      const prefix = only.prefix!;
      if (path.startsWith(prefix) && passesFilters(only, input)) {
        bestRank = only.rank;
        bestEntry = only;
        bestStripped = prefix.length === 0 ? path : path.slice(prefix.length);
      }
      return;
    }
    const regexes = b.regexes;
    for (let i = 0; i < regexes.length; i++) {
      const e = regexes[i]!;
      if (e.rank >= bestRank) break;
      if (passesFilters(e, input)) tryRegex(e, path);
    }
    if (b.hasRegexTree) {
      // Regexes whose literal start the path has; each list is sorted by rank, and a better match
      // found in a later (deeper) list replaces an earlier one.
      const n = b.regexTree.nodesAlong(path, scratchNodes, scratchDepths);
      for (let k = 0; k < n; k++) {
        const items = scratchNodes[k]!.items!;
        for (let i = 0; i < items.length; i++) {
          const e = items[i]!;
          if (e.rank >= bestRank) break;
          if (passesFilters(e, input) && tryRegex(e, path)) break;
        }
      }
    }
    if (b.hasPrefixes) {
      const n = b.prefixes.nodesAlong(path, scratchNodes, scratchDepths);
      for (let k = 0; k < n; k++) {
        const items = scratchNodes[k]!.items!;
        for (let i = 0; i < items.length; i++) {
          const e = items[i]!;
          if (e.rank >= bestRank) break;
          if (passesFilters(e, input)) {
            const depth = scratchDepths[k]!;
            bestRank = e.rank;
            bestEntry = e;
            bestStripped = depth === 0 ? path : path.slice(depth);
            break;
          }
        }
      }
    }
    const pathless = b.pathless;
    for (let i = 0; i < pathless.length; i++) {
      const e = pathless[i]!;
      if (e.rank >= bestRank) break;
      if (passesFilters(e, input)) {
        bestRank = e.rank;
        bestEntry = e;
        bestStripped = path;
        break;
      }
    }
  }

  /** Runs a regex entry (already known to beat the best so far); true when it matched. */
  function tryRegex(e: RouteEntry, path: string): boolean {
    const end = e.regex!.matchLength(path);
    if (end < 0) return false;
    bestRank = e.rank;
    bestEntry = e;
    bestStripped = path.slice(end);
    return true;
  }

  function searchTable(table: HostTable, key: string, port: number | undefined, input: MatchInput): void {
    const b = table.any.get(key);
    if (b !== undefined) searchBucket(b, input);
    if (port !== undefined && table.byPort.size > 0) {
      const pb = table.byPort.get(port)?.get(key);
      if (pb !== undefined) searchBucket(pb, input);
    }
  }

  return {
    size: routes.length,
    match(input: MatchInput): RouteMatch | undefined {
      bestRank = Infinity;
      bestEntry = undefined;
      bestStripped = '';
      const host = input.host;
      const port = input.port;
      if (host.length > 0) {
        if (exact.size > 0) searchTable(exact, host, port, input);
        // Tables are skipped whole when none of their routes can outrank the match so far (an
        // exact-host match usually outranks every wildcard and host-less route).
        if (suffix.minRank < bestRank) {
          // "*.example.com" is stored as ".example.com": compare the host's tail of that length.
          const lengths = suffix.lengths;
          const dot = suffix.boundary;
          for (let i = 0; i < lengths.length; i++) {
            const len = lengths[i]!;
            if (len <= host.length && (dot < 0 || host.charCodeAt(host.length - len) === dot)) {
              searchTable(suffix, host.slice(host.length - len), port, input);
            }
          }
        }
        if (prefix.minRank < bestRank) {
          const lengths = prefix.lengths;
          const dot = prefix.boundary;
          for (let i = 0; i < lengths.length; i++) {
            const len = lengths[i]!;
            if (len <= host.length && (dot < 0 || host.charCodeAt(len - 1) === dot)) searchTable(prefix, host.slice(0, len), port, input);
          }
        }
      }
      searchBucket(hostless, input);
      const e = bestEntry as RouteEntry | undefined; // set by searchBucket (TS cannot see it)
      if (e === undefined) return undefined;
      bestEntry = undefined;
      return { route: e.route, strippedPath: bestStripped };
    },
  };
}
