import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * One full garbage collection once the first snapshot is live. Building a large snapshot leaves
 * its garbage (the parsed document and intermediate entries: ~90 MB at 100,000 consumers) in the
 * old generation, and under steady proxy load V8 may not run a major GC for a long time, so the
 * process kept that much more resident memory for good. At startup nothing is waiting yet; later
 * swaps do not do this, since a pause then would stall live traffic.
 *
 * `gc` is not exposed without --expose-gc on the command line; enabling the flag at runtime makes
 * it available in a new context (no effect on the main context's globals).
 */
export function collectStartupGarbage(): number | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as (() => void) | undefined;
    if (typeof gc !== 'function') return undefined;
    const t = performance.now();
    gc();
    return performance.now() - t;
  } catch {
    return undefined;
  }
}
