import type { JwtPluginConfig } from '../../model/jwt-config.js';
import type { TokenLocation } from '../../model/explain.js';
import { bearerToken, findCookie, urlDecode } from './token-sources.js';

/** A token location with the token it found (kept inside the plugin: explain never prints tokens). */
export interface LocatedToken {
  location: TokenLocation;
  /** undefined for a bare query parameter (`?jwt`). */
  token: string | undefined;
}

/**
 * Where collectTokens (token-sources.ts) finds tokens, for explain only: the same parsing rules
 * (query as nginx's get_uri_args, cookies as $cookie_<name>, the first occurrence of each header,
 * "Bearer" only), but recording each place. Slow and allocating on purpose: the request path
 * never calls it. test/unit/plugins/jwt/token-locations.test.ts checks it against collectTokens.
 */
export function locateTokens(config: JwtPluginConfig, rawQuery: string, rawHeaders: readonly string[]): LocatedToken[] {
  const out: LocatedToken[] = [];
  if (rawQuery !== '' && config.uriParamNames.length > 0) {
    const names = new Set(config.uriParamNames);
    for (const part of rawQuery.split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      if (eq === -1) {
        const name = urlDecode(part);
        if (names.has(name)) out.push({ location: { source: 'query', name, bare: true }, token: undefined });
      } else if (eq > 0) {
        const name = urlDecode(part.slice(0, eq));
        const value = urlDecode(part.slice(eq + 1));
        if (names.has(name) && value !== '') out.push({ location: { source: 'query', name }, token: value });
      }
    }
  }
  for (const name of config.cookieNames) {
    const value = findCookie(name.toLowerCase(), rawHeaders);
    if (value !== undefined) out.push({ location: { source: 'cookie', name }, token: value });
  }
  const seen = new Set<string>();
  const wanted = new Map(config.headerNames.map((n) => [n.toLowerCase(), n] as const));
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const lower = rawHeaders[i]!.toLowerCase();
    const name = wanted.get(lower);
    if (name === undefined || seen.has(lower)) continue;
    seen.add(lower);
    const token = bearerToken(rawHeaders[i + 1]!);
    if (token !== undefined) out.push({ location: { source: 'header', name: rawHeaders[i]! }, token });
  }
  return out;
}
