import { createHook } from 'node:async_hooks';

let retained: object | undefined;

/**
 * Keep one of Node's internal `process.nextTick` TickObjects alive for the life of the process.
 *
 * Why: nextTick builds each TickObject from an object literal whose hidden classes (maps) V8 holds
 * only weakly. While the gateway is idle (no tick queued) and builds a large snapshot, several
 * mark-compact GCs run; each one frees the TickObject maps, the next tick builds fresh ones, and
 * nextTick's store feedback ends up generic for the rest of the process. Measured (bench/scale.mjs
 * setup, one core): nextTick self time 2.7–3.2 µs per request instead of 0.2 µs after starting on
 * 100k consumers or 10k routes, reproduced on the 10-route config by 20 forced GCs before load.
 * One live TickObject keeps the whole map chain alive. Must run before the first big parse, so
 * it is called when the proxy module loads. Returns whether a TickObject is held.
 */
export function retainTickObjectShape(): boolean {
  if (retained) return true;
  const hook = createHook({
    init(_id, type, _trigger, resource) {
      if (type === 'TickObject' && retained === undefined) retained = resource as object;
    },
  });
  hook.enable();
  try {
    process.nextTick(noop);
  } finally {
    hook.disable();
  }
  return retained !== undefined;
}

function noop(): void {}
