import { PERIOD_SECONDS, RATE_PERIODS, type RatePeriod } from '../../model/rate-limiting-config.js';

/** One counter: the window it counts (its start, epoch ms) and the requests counted in it. */
export interface WindowCount {
  start: number;
  n: number;
}

/** How often windows that have ended are dropped (the counters of clients that went away). */
const SWEEP_MS = 30_000;

/**
 * The local policy's counters (Kong's kong_rate_limiting_counters shared dict): one map per period,
 * keyed by the plugin instance's scope and the identifier, so they survive snapshot swaps as Kong's
 * survive config reloads. Per process: with --workers N each worker counts on its own
 * (docs/rate-limiting.md#workers). A request costs one Map lookup per configured period.
 */
export class LocalCounters {
  readonly #maps = new Map<RatePeriod, Map<string, WindowCount>>(RATE_PERIODS.map((p) => [p, new Map()]));
  #timer: NodeJS.Timeout | undefined;

  /** The counter of `key` for `period`, reset when its window is not `start` (created on first use). */
  counter(period: RatePeriod, key: string, start: number): WindowCount {
    const map = this.#maps.get(period)!;
    let c = map.get(key);
    if (c === undefined) {
      c = { start, n: 0 };
      map.set(key, c);
      this.#timer ??= setInterval(() => this.sweep(Date.now()), SWEEP_MS).unref();
    } else if (c.start !== start) {
      c.start = start;
      c.n = 0;
    }
    return c;
  }

  /** Drops counters whose window ended before `nowMs` (a month's window is taken as 31 days here). */
  sweep(nowMs: number): void {
    for (const [period, map] of this.#maps) {
      const span = (period === 'month' ? 31 * 86400 : PERIOD_SECONDS[period]) * 1000;
      for (const [k, c] of map) if (c.start + span <= nowMs) map.delete(k);
    }
  }

  size(): number {
    let n = 0;
    for (const m of this.#maps.values()) n += m.size;
    return n;
  }
}

/** The process's counters, shared by every snapshot's compiled policies. */
export const localCounters = new LocalCounters();
