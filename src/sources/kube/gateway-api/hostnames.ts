/**
 * Listener hostname ∩ HTTPRoute hostnames (Gateway API: a route attaches to a listener only where
 * they intersect). Names are lower-case, exact or "*.suffix" (one or more labels in front).
 * Returns the hostnames the route serves on that listener: [] = any host; null = no intersection.
 */
export function intersectHostnames(listener: string | undefined, route: readonly string[]): string[] | null {
  if (route.length === 0) return listener === undefined ? [] : [listener];
  if (listener === undefined) return [...route];
  const out: string[] = [];
  for (const h of route) {
    const i = intersectOne(listener, h);
    if (i !== undefined && !out.includes(i)) out.push(i);
  }
  return out.length === 0 ? null : out;
}

function coveredBy(host: string, wildcard: string): boolean {
  // "*.example.com" covers "a.example.com" and "a.b.example.com", not "example.com".
  const suffix = wildcard.slice(1);
  return host.length > suffix.length && host.endsWith(suffix);
}

function intersectOne(a: string, b: string): string | undefined {
  const aw = a.startsWith('*.');
  const bw = b.startsWith('*.');
  if (!aw && !bw) return a === b ? a : undefined;
  if (aw && !bw) return coveredBy(b, a) ? b : undefined;
  if (!aw && bw) return coveredBy(a, b) ? a : undefined;
  if (a === b) return a;
  // Both wildcards: the narrower one, when one contains the other.
  if (coveredBy(a.slice(2), b)) return a;
  if (coveredBy(b.slice(2), a)) return b;
  return undefined;
}

/** Does `host` (a request's, exact) match a hostname entry (exact or wildcard)? */
export function hostnameMatches(entry: string, host: string): boolean {
  return entry.startsWith('*.') ? coveredBy(host, entry) : entry === host;
}
