import type { Backoff } from '../sources/kube/backoff.js';
import { throttledFor } from '../sources/kube/retry-after.js';
import type { WriteBudget } from './write-budget.js';

/**
 * How long before a failed status write is tried again: the object's jittered backoff, but after a
 * 429 (API Priority and Fairness shed us) never sooner than its Retry-After, which also pauses
 * every write of the process for that long (docs/controller-scale.md#429-and-5xx).
 */
export function retryDelay(err: unknown, backoff: Backoff, budget: WriteBudget): number {
  const after = throttledFor(err);
  if (after !== undefined) budget.pause(after);
  return Math.max(backoff.next(), after ?? 0);
}
