import type { RatePeriod } from '../../model/rate-limiting-config.js';
import type { RateDecision } from '../../snapshot/types.js';
import { secondsToReset, windowStart } from './windows.js';

/** One configured period of a plugin instance, with its header names (lower-case: HTTP/2 needs them so). */
export interface PeriodLimit {
  readonly period: RatePeriod;
  readonly limit: number;
  readonly remainingHeader: string;
  readonly limitText: string;
  /** The constant headers, built once: X-RateLimit-Limit-<Period> and RateLimit-Limit. */
  readonly limitPair: readonly [string, string];
  readonly rateLimitPair: readonly [string, string];
}

const title = (p: RatePeriod): string => p[0]!.toUpperCase() + p.slice(1);

export function periodLimit(period: RatePeriod, limit: number): PeriodLimit {
  const limitText = String(limit);
  return {
    period,
    limit,
    remainingHeader: `x-ratelimit-remaining-${period}`,
    limitText,
    limitPair: [`x-ratelimit-limit-${period}`, limitText],
    rateLimitPair: ['ratelimit-limit', limitText],
  };
}

/** Kong's header names as it spells them (docs/rate-limiting.md#headers). */
export const kongHeaderName = (period: RatePeriod, kind: 'Limit' | 'Remaining'): string => `X-RateLimit-${kind}-${title(period)}`;

/**
 * Kong's verdict and headers from the usage BEFORE this request (its handler's access phase):
 * stop when a period has no remaining request; each period's remaining counts this request when it
 * passes (and is 0 for the period that stops it); RateLimit-* name the period with the fewest
 * remaining (the longer window on a tie), Reset in whole seconds to that window's end, at least 1;
 * Retry-After equals that Reset on a refusal. `used[i]` belongs to `limits[i]`.
 */
export function decide(limits: readonly PeriodLimit[], used: ArrayLike<number>, nowSeconds: number, hideHeaders: boolean): RateDecision {
  let stop = false;
  for (let i = 0; i < limits.length; i++) if (limits[i]!.limit - used[i]! <= 0) stop = true;
  if (hideHeaders) return stop ? STOP_HIDDEN : PASS_HIDDEN;
  const headers: Array<readonly [string, string]> = [];
  let best = -1;
  let bestRemaining = 0;
  for (let i = 0; i < limits.length; i++) {
    const l = limits[i]!;
    let remaining = l.limit - used[i]!;
    if (!stop || remaining <= 0) remaining -= 1;
    if (remaining < 0) remaining = 0;
    // Longer periods come later in `limits`: a tie keeps the later (longer) one.
    if (best === -1 || remaining <= bestRemaining) {
      best = i;
      bestRemaining = remaining;
    }
    headers.push(l.limitPair, [l.remainingHeader, String(remaining)]);
  }
  const chosen = limits[best]!;
  const reset = String(secondsToReset(chosen.period, windowStart(chosen.period, nowSeconds), nowSeconds));
  headers.push(chosen.rateLimitPair, ['ratelimit-remaining', String(bestRemaining)], ['ratelimit-reset', reset]);
  if (stop) headers.push(['retry-after', reset]);
  return { stop, headers };
}

const STOP_HIDDEN: RateDecision = Object.freeze({ stop: true, headers: undefined });
const PASS_HIDDEN: RateDecision = Object.freeze({ stop: false, headers: undefined });
/** The store could not be read and fault_tolerant is on: proxied without headers, as Kong does. */
export const TOLERATED: RateDecision = Object.freeze({ stop: false, headers: undefined, storeError: true });
/** The store could not be read and fault_tolerant is off: Kong's 500. */
export const FATAL: RateDecision = Object.freeze({ stop: false, headers: undefined, storeError: true, fatal: true });

