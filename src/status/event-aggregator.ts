/**
 * Pure bookkeeping for Event aggregation, as client-go's EventCorrelator does: within a window
 * (10 min), the first `maxSingles` (10) objects failing the same way — same namespace, kind,
 * condition and reason — each get their own Event; every further one is folded into a single
 * aggregate Event of that group whose `series.count` counts them. 10,000 objects failing alike
 * make 11 Events and a few count updates, not 10,000 Events (docs/controller-scale.md#events).
 */
export interface AggregatorOptions {
  maxSingles: number;
  windowMs: number;
}

export const DEFAULT_AGGREGATION: AggregatorOptions = { maxSingles: 10, windowMs: 10 * 60_000 };

export interface Group {
  windowStart: number;
  singles: number;
  /** Occurrences folded into the aggregate (0 until the first). */
  folded: number;
  /** The aggregate Event once created; `written` the count it carries on the server. */
  aggregate?: { name: string; namespace: string; written: number; creating: boolean };
  lastObserved: number;
}

export type Decision = { kind: 'single' } | { kind: 'fold'; group: Group; first: boolean };

export class EventAggregator {
  readonly groups = new Map<string, Group>();

  constructor(
    private readonly opts: AggregatorOptions = DEFAULT_AGGREGATION,
    private readonly now: () => number = Date.now,
  ) {}

  /** One Event about to be sent for group `key`: its own, or folded into the group's aggregate. */
  record(key: string): Decision {
    const now = this.now();
    let g = this.groups.get(key);
    if (!g || now - g.windowStart > this.opts.windowMs) {
      g = { windowStart: now, singles: 0, folded: 0, lastObserved: now };
      this.groups.set(key, g);
      this.#prune(now);
    }
    g.lastObserved = now;
    if (g.singles < this.opts.maxSingles) {
      g.singles++;
      return { kind: 'single' };
    }
    g.folded++;
    return { kind: 'fold', group: g, first: g.folded === 1 };
  }

  /** Groups whose aggregate exists and carries an older count than folded (to PATCH). */
  stale(): Group[] {
    return [...this.groups.values()].filter((g) => g.aggregate !== undefined && !g.aggregate.creating && g.aggregate.written < g.folded);
  }

  #prune(now: number): void {
    if (this.groups.size < 1024) return;
    for (const [k, g] of this.groups) if (now - g.windowStart > this.opts.windowMs && (g.aggregate?.written ?? g.folded) >= g.folded) this.groups.delete(k);
  }
}

/** The group an Event belongs to: what makes two failures "the same way". */
export function groupKey(namespace: string, kind: string, conditionType: string, reason: string): string {
  return `${namespace}\u0000${kind}\u0000${conditionType}\u0000${reason}`;
}
