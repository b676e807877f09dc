/**
 * Kong-compatible HTTP router (3.x traditional_compatible semantics; see router/entries.ts for
 * the priority order). Matching cost does not grow with the number of routes:
 *
 *   host index (exact Map; "*.x" / "x.*" wildcards looked up by suffix / prefix length;
 *   host-less group) → bucket → prefix radix tree + regex list + path-less list.
 *
 * Every entry has a global rank (its position in priority order), so the best match across the
 * few buckets a request touches is the lowest rank, and each list scan stops as soon as ranks can
 * no longer beat the best match so far. Regexes run only when they could still win.
 */
import type { CompiledRoute, MatchInput, RouteMatch, Router } from './types.js';
import { comparePriority, parseRouteHost, routeEntries, type RouteEntry } from './router/entries.js';
import { PrefixTree } from './router/prefix-tree.js';

export { compileRouteRegex, compileHeaderRegex } from './router/regex.js';

class Bucket {
  readonly prefixes = new PrefixTree<RouteEntry>();
  hasPrefixes = false;
  readonly regexes: RouteEntry[] = [];
  readonly pathless: RouteEntry[] = [];

  add(e: RouteEntry): void {
    if (e.regex) this.regexes.push(e);
    else if (e.prefix !== null) {
      this.prefixes.insert(e.prefix, e);
      this.hasPrefixes = true;
    } else this.pathless.push(e);
  }

  finalize(): void {
    const byRank = (a: RouteEntry, b: RouteEntry) => a.rank - b.rank;
    this.regexes.sort(byRank);
    this.pathless.sort(byRank);
    this.prefixes.finalize((items) => items.sort(byRank));
  }
}

/** Buckets keyed by host (exact host, wildcard suffix or wildcard prefix), with or without port. */
class HostTable {
  readonly any = new Map<string, Bucket>();
  readonly byPort = new Map<number, Map<string, Bucket>>();
  /** Distinct key lengths (wildcards are looked up by slicing the request host to these lengths). */
  lengths: number[] = [];

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
    for (const map of [this.any, ...this.byPort.values()]) {
      for (const [key, b] of map) {
        lengths.add(key.length);
        b.finalize();
      }
    }
    this.lengths = [...lengths].sort((a, b) => b - a);
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

  const exact = new HostTable();
  const suffix = new HostTable();
  const prefix = new HostTable();
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
  let bestRank = Infinity;
  let bestEntry: RouteEntry | undefined;
  let bestStripped = '';

  function passesFilters(e: RouteEntry, input: MatchInput): boolean {
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
    const path = input.path;
    const regexes = b.regexes;
    for (let i = 0; i < regexes.length; i++) {
      const e = regexes[i]!;
      if (e.rank >= bestRank) break;
      if (!path.startsWith(e.regexLiteral) || !passesFilters(e, input)) continue;
      const m = e.regex!.exec(path);
      if (m !== null) {
        bestRank = e.rank;
        bestEntry = e;
        bestStripped = path.slice(m[0].length);
        break;
      }
    }
    if (b.hasPrefixes) {
      let node = b.prefixes.root;
      let depth = 0;
      for (;;) {
        const items = node.items;
        if (items !== null) {
          for (let i = 0; i < items.length; i++) {
            const e = items[i]!;
            if (e.rank >= bestRank) break;
            if (passesFilters(e, input)) {
              bestRank = e.rank;
              bestEntry = e;
              bestStripped = depth === 0 ? path : path.slice(depth);
              break;
            }
          }
        }
        if (depth >= path.length || node.children === null) break;
        const child = node.children.get(path.charCodeAt(depth));
        if (child === undefined || !path.startsWith(child.label, depth)) break;
        depth += child.label.length;
        node = child;
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
        if (suffix.size > 0) {
          // "*.example.com" is stored as ".example.com": compare the host's tail of that length.
          for (const len of suffix.lengths) {
            if (len <= host.length) searchTable(suffix, host.slice(host.length - len), port, input);
          }
        }
        if (prefix.size > 0) {
          for (const len of prefix.lengths) {
            if (len <= host.length) searchTable(prefix, host.slice(0, len), port, input);
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
