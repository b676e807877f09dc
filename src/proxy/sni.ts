import type { TlsCertificate, TlsCertificates } from '../snapshot/types.js';

/**
 * Kong's certificate lookup for a ClientHello's server name: exact, then "*.rest" (the first
 * label replaced), then "first.*" (the last label replaced), then the SNI "*"; undefined = the
 * listener's default certificate. A wildcard stands for exactly one label.
 */
export function selectCertificate(table: TlsCertificates, servername: string): TlsCertificate | undefined {
  let name = servername.toLowerCase();
  if (name.length > 1 && name.endsWith('.')) name = name.slice(0, -1);
  const exact = table.exact.get(name);
  if (exact !== undefined) return exact;
  const firstDot = name.indexOf('.');
  if (firstDot > 0 && table.leadingWildcard.size > 0) {
    const hit = table.leadingWildcard.get(name.slice(firstDot));
    if (hit !== undefined) return hit;
  }
  const lastDot = name.lastIndexOf('.');
  if (lastDot > 0 && lastDot < name.length - 1 && table.trailingWildcard.size > 0) {
    const hit = table.trailingWildcard.get(name.slice(0, lastDot + 1));
    if (hit !== undefined) return hit;
  }
  return table.catchAll;
}
