import { parseRouteHost, type ParsedHost } from '../snapshot/router/entries.js';

/**
 * Set relations between host patterns, as the router reads them (router/entries.ts): an exact
 * host, "*.example.com" (stored as the suffix ".example.com"), "example.*" (the prefix
 * "example."), or ANY_HOST (a Route without hosts, or the policy pattern "*"). Conservative where
 * it cannot be exact: two patterns "overlap" when some request host could match both.
 */
export type HostPattern = ParsedHost | typeof ANY_HOST;
export const ANY_HOST = { kind: 'any' } as const;

export function parseHostPattern(raw: string): HostPattern {
  return raw === '*' ? ANY_HOST : parseRouteHost(raw);
}

/** Some request host matches both (ports: a host without one accepts every port). */
export function hostsOverlap(a: HostPattern, b: HostPattern): boolean {
  if (a.kind === 'any' || b.kind === 'any') return true;
  if (a.port !== undefined && b.port !== undefined && a.port !== b.port) return false;
  if (a.kind === 'exact') return matchesExact(b, a.key);
  if (b.kind === 'exact') return matchesExact(a, b.key);
  if (a.kind === b.kind) {
    return a.kind === 'suffix'
      ? a.key.endsWith(b.key) || b.key.endsWith(a.key)
      : a.key.startsWith(b.key) || b.key.startsWith(a.key);
  }
  // "*.x" and "y.*" always share a host ("y.<anything>.x").
  return true;
}

/** Every host `inner` matches, `outer` matches too (ports ignored). */
export function hostContains(outer: HostPattern, inner: HostPattern): boolean {
  if (outer.kind === 'any') return true;
  if (inner.kind === 'any') return false;
  if (outer.kind === 'exact') return inner.kind === 'exact' && inner.key === outer.key;
  if (outer.kind === 'suffix') return inner.kind !== 'prefix' && inner.key.endsWith(outer.key);
  return inner.kind !== 'suffix' && inner.key.startsWith(outer.key);
}

/** Of two patterns containing the same host, the more specific: exact, then the longer wildcard. */
export function specificity(p: HostPattern): number {
  if (p.kind === 'any') return 0;
  return p.kind === 'exact' ? Number.MAX_SAFE_INTEGER : 1 + p.key.length;
}

function matchesExact(p: ParsedHost, host: string): boolean {
  if (p.kind === 'exact') return p.key === host;
  return p.kind === 'suffix' ? host.endsWith(p.key) : host.startsWith(p.key);
}
