import type { IncomingHttpHeaders } from 'node:http';

/**
 * How long a fetched JWKS stays fresh, in seconds (RFC 9111 §4.2.1), before the provider clamps
 * it to [min_ttl, max_ttl] (docs/jwks.md#bounds): Cache-Control max-age less Age; no-store /
 * no-cache count as 0; without max-age, Expires less Date (the gateway's clock when there is no
 * valid Date) less Age, an invalid Expires ("0") counting as already expired (§5.3).
 * undefined: the answer says nothing about freshness (cache_ttl applies).
 */
export function freshnessSeconds(headers: IncomingHttpHeaders, nowMs: number): number | undefined {
  const age = headers.age !== undefined && /^\d+$/.test(headers.age.trim()) ? Number(headers.age.trim()) : 0;
  const maxAge = cacheControlMaxAge(headers['cache-control']);
  if (maxAge !== undefined) return Math.max(0, maxAge - age);
  const expires = headers.expires;
  if (expires === undefined) return undefined;
  const expiresMs = httpDate(expires);
  if (Number.isNaN(expiresMs)) return 0;
  const dateMs = headers.date === undefined ? Number.NaN : httpDate(headers.date);
  const base = Number.isNaN(dateMs) ? nowMs : dateMs;
  return Math.max(0, Math.floor((expiresMs - base) / 1000) - age);
}

/** Cache-Control's max-age (0 for no-store / no-cache); undefined when it has neither. */
function cacheControlMaxAge(cacheControl: string | undefined): number | undefined {
  if (cacheControl === undefined) return undefined;
  let seconds: number | undefined;
  for (const part of cacheControl.toLowerCase().split(',')) {
    const [name, value] = part.trim().split('=', 2) as [string, string | undefined];
    if (name === 'no-store' || name === 'no-cache') return 0;
    if (name === 'max-age' && value !== undefined && /^\d+$/.test(value.replace(/"/g, ''))) seconds = Number(value.replace(/"/g, ''));
  }
  return seconds;
}

/** An HTTP-date (RFC 9110 §5.6.7: IMF-fixdate or the obsolete forms, all with hh:mm:ss) in ms; NaN otherwise ("0", "-1", a bare year). */
function httpDate(text: string): number {
  return /\b\d{2}:\d{2}:\d{2}\b/.test(text) ? Date.parse(text) : Number.NaN;
}
