/**
 * The server's Retry-After, in ms, bounded so a bad header cannot park a watcher or a writer for
 * long; undefined when absent. Honoured on 429 only (API Priority and Fairness shedding load: wait
 * as asked). A 5xx is retried with the jittered backoff instead: a restarting API server answers
 * 503 with `Retry-After: 5` while its caches fill, and waiting that out held revocations back by
 * 5 s (docs/controller-scale.md#429-and-5xx).
 */
export const MAX_RETRY_AFTER_MS = 60_000;

/** Retry-After of a 429 answer (undefined for anything else). */
export function throttledFor(err: unknown, now = Date.now()): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown } | null;
  const code = typeof e?.code === 'number' ? e.code : typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  return code === 429 ? retryAfterMs(err, now) : undefined;
}

export function retryAfterMs(err: unknown, now = Date.now()): number | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { retryAfterMs?: unknown; headers?: unknown };
  if (typeof e.retryAfterMs === 'number') return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, e.retryAfterMs));
  const headers = e.headers as Record<string, unknown> | undefined;
  const raw = headers?.['retry-after'] ?? headers?.['Retry-After'];
  return parseRetryAfter(typeof raw === 'string' ? raw : undefined, now);
}

/** Pure: Retry-After as delta-seconds or an HTTP date → ms (bounded), undefined when unusable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Math.min(MAX_RETRY_AFTER_MS, Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, at - now));
}
