/**
 * When to restart a proxy worker that died. Exponential per slot (100 ms, 200 ms, … capped at
 * 10 s) so a worker that crashes at start does not spin the CPU; a worker that ran long enough
 * counts as healthy and its next crash restarts it at once-ish again.
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** A worker that lived at least this long resets its slot's failure streak. */
  stableAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 10_000, stableAfterMs: 30_000 };

/** Failure streak after a worker of this slot exited having lived `livedMs`. */
export function nextStreak(previousStreak: number, livedMs: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  return livedMs >= policy.stableAfterMs ? 1 : previousStreak + 1;
}

/** Delay before the restart, given the streak (1 = first failure). */
export function restartDelayMs(streak: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const n = Math.max(1, streak);
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(n - 1, 30));
}
