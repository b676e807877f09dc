import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS, parseRetryAfter, retryAfterMs, throttledFor } from '../../../../src/sources/kube/retry-after.js';

describe('Retry-After', () => {
  it('seconds, an HTTP date, bounded; nothing usable is undefined', () => {
    expect(parseRetryAfter('3')).toBe(3_000);
    expect(parseRetryAfter('86400')).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 5_000)).toBe(5_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it('from client-node ApiException headers or a watch error', () => {
    expect(retryAfterMs({ code: 429, headers: { 'retry-after': '2' } })).toBe(2_000);
    expect(retryAfterMs({ statusCode: 429, retryAfterMs: 1_000 })).toBe(1_000);
    expect(retryAfterMs(new Error('ECONNREFUSED'))).toBeUndefined();
  });

  it('honoured on 429 only: a restarting server\'s 503 Retry-After: 5 is left to the backoff', () => {
    expect(throttledFor({ code: 429, headers: { 'retry-after': '1' } })).toBe(1_000);
    expect(throttledFor({ statusCode: 429, retryAfterMs: 2_000 })).toBe(2_000);
    expect(throttledFor({ statusCode: 503, retryAfterMs: 5_000 })).toBeUndefined();
  });
});
