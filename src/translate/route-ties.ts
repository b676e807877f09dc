import type { RouteSpec } from '../model/resources.js';
import { ANY_HOST, hostsOverlap, parseHostPattern, type HostPattern } from './host-patterns.js';

/**
 * Finds Routes that tie in the router: one of their matchers has exactly the priority of an
 * earlier Route's matcher (router/entries.ts: number of match fields, plain hosts, headers,
 * regex_priority, prefix length) and both can match the same request — the same path text (two
 * prefixes of one length that differ never match the same path), overlapping hosts and methods,
 * equal header matchers. Only the order of the input would decide such a tie, so in controller
 * mode the later Route is refused (RouteConflict) instead of silently sharing requests.
 * Two different regexes that happen to overlap are not detected (that is undecidable in general);
 * the router still orders them by age, so the older Route keeps them.
 */
export class RouteTies {
  /** Priority + path text → the accepted matchers with that key. */
  private readonly byKey = new Map<string, Matcher[]>();

  /** The accepted Route this one ties with, if any. */
  tieWith(spec: RouteSpec): RouteSpec | undefined {
    const m = matcherOf(spec);
    for (const key of m.keys) {
      const others = this.byKey.get(key);
      if (others === undefined) continue;
      for (const o of others) if (overlaps(m, o)) return o.spec;
    }
    return undefined;
  }

  add(spec: RouteSpec): void {
    const m = matcherOf(spec);
    for (const key of m.keys) {
      const list = this.byKey.get(key);
      if (list) list.push(m);
      else this.byKey.set(key, [m]);
    }
  }
}

interface Matcher {
  spec: RouteSpec;
  keys: string[];
  hosts: HostPattern[];
  methods: ReadonlySet<string> | null;
  headers: string;
}

function matcherOf(spec: RouteSpec): Matcher {
  const hasHosts = spec.hosts.length > 0;
  const plainHostOnly = hasHosts && spec.hosts.every((h) => !h.includes('*')) ? 1 : 0;
  const headerCount = Math.min(spec.headers.length, 255);
  const weight = (spec.methods.length > 0 ? 1 : 0) + (hasHosts ? 1 : 0) + (headerCount > 0 ? 1 : 0) + (spec.paths.length > 0 ? 1 : 0);
  const base = `${weight}\u0000${plainHostOnly}\u0000${headerCount}`;
  const keys =
    spec.paths.length === 0
      ? [`${base}\u0000\u0000`]
      : [...new Set(spec.paths)].map((p) => `${base}\u0000${p.startsWith('~') ? spec.regexPriority : ''}\u0000${p}`);
  return {
    spec,
    keys,
    hosts: hasHosts ? spec.hosts.map(parseHostPattern) : [ANY_HOST],
    methods: spec.methods.length > 0 ? new Set(spec.methods) : null,
    headers: spec.headers
      .map((h) => `${h.name.toLowerCase()}=${[...h.values].sort().join('\u0001')}`)
      .sort()
      .join('\u0002'),
  };
}

function overlaps(a: Matcher, b: Matcher): boolean {
  if (a.headers !== b.headers) return false;
  if (a.methods !== null && b.methods !== null && ![...a.methods].some((m) => b.methods!.has(m))) return false;
  return a.hosts.some((h) => b.hosts.some((g) => hostsOverlap(h, g)));
}
