import type { Backoff } from '../sources/kube/backoff.js';
import { retryAfterMs } from '../sources/kube/retry-after.js';
import { statusCode } from '../sources/kube/watcher.js';
import type { WriteBudget } from './write-budget.js';

/**
 * How long before a failed status write is tried again: the object's jittered backoff, but never
 * sooner than the server's Retry-After; a 429 (API Priority and Fairness shed us) also pauses every
 * write of the process for that long (docs/controller-scale.md#429-and-5xx).
 */
export function retryDelay(err: unknown, backoff: Backoff, budget: WriteBudget): number {
  const after = retryAfterMs(err);
  if (after !== undefined && statusCode(err) === 429) budget.pause(after);
  return Math.max(backoff.next(), after ?? 0);
}
