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

  /**
   * The accepted Route this one ties with; when there is none, this one is accepted (later Routes
   * are checked against it) and undefined is returned.
   */
  claim(spec: RouteSpec): RouteSpec | undefined {
    const m = matcherOf(spec);
    for (const key of m.keys) {
      const others = this.byKey.get(key);
      if (others === undefined) continue;
      for (const o of others) if (overlaps(m, o)) return o.spec;
    }
    for (const key of m.keys) {
      const list = this.byKey.get(key);
      if (list) list.push(m);
      else this.byKey.set(key, [m]);
    }
    return undefined;
  }
}

/** Only the keys are built for every Route; hosts and methods are compared on a key collision. */
interface Matcher {
  spec: RouteSpec;
  keys: string[];
}

function matcherOf(spec: RouteSpec): Matcher {
  const hasHosts = spec.hosts.length > 0;
  let plainHostOnly = hasHosts ? 1 : 0;
  for (const h of spec.hosts) if (h.includes('*')) plainHostOnly = 0;
  const headerCount = Math.min(spec.headers.length, 255);
  const weight = (spec.methods.length > 0 ? 1 : 0) + (hasHosts ? 1 : 0) + (headerCount > 0 ? 1 : 0) + (spec.paths.length > 0 ? 1 : 0);
  const base = `${weight}\u0000${plainHostOnly}\u0000${headerCount}\u0000`;
  if (spec.paths.length === 0) return { spec, keys: [`${base}\u0000`] };
  const keys: string[] = [];
  for (const p of spec.paths) keys.push(p.charCodeAt(0) === 126 /* ~ */ ? `${base}${spec.regexPriority}\u0000${p}` : `${base}\u0000${p}`);
  return { spec, keys };
}

function overlaps(a: Matcher, b: Matcher): boolean {
  const x = a.spec;
  const y = b.spec;
  if (headerSignature(x) !== headerSignature(y)) return false;
  if (x.methods.length > 0 && y.methods.length > 0 && !x.methods.some((m) => y.methods.includes(m))) return false;
  const hx = hostPatterns(x);
  const hy = hostPatterns(y);
  return hx.some((h) => hy.some((g) => hostsOverlap(h, g)));
}

function hostPatterns(spec: RouteSpec): HostPattern[] {
  return spec.hosts.length > 0 ? spec.hosts.map(parseHostPattern) : [ANY_HOST];
}

function headerSignature(spec: RouteSpec): string {
  return spec.headers
    .map((h) => `${h.name.toLowerCase()}=${[...h.values].sort().join('\u0001')}`)
    .sort()
    .join('\u0002');
}
