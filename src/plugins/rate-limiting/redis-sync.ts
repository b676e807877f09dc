/** What a syncer needs of the Redis store (redis-counters.ts's RedisCounterStore.add). */
export interface CounterAdder {
  add(keys: readonly string[], deltas: readonly number[], ttls: readonly number[]): Promise<number[]>;
}

/** One Redis key's view between syncs: the shared total last read, and what this process counted since. */
export interface SyncedCount {
  /** The shared total (every gateway) at the last sync, this process's pushed counts included. */
  base: number;
  /** Counted here, not yet pushed. */
  pending: number;
  /** Being pushed by the sync in flight. */
  inFlight: number;
  ttl: number;
  /** Epoch ms after which the key's window has ended. */
  end: number;
}

/** At most this many keys per script call: a sync of many identifiers is split. */
const BATCH = 500;

/**
 * Kong's redis policy with sync_rate > 0 (docs/rate-limiting.md#sync_rate): requests are counted
 * in this process and decided on the shared total last read plus the local count, without waiting
 * on Redis; every `syncRate` seconds the local counts are added to Redis (INCRBY) and the shared
 * totals read back. One syncer per Redis connection and sync_rate, shared by every instance and
 * snapshot using them. A failed sync marks the store down until one succeeds: fault_tolerant then
 * decides, as with sync_rate -1.
 */
export class RedisSyncer {
  readonly #counts = new Map<string, SyncedCount>();
  #timer: NodeJS.Timeout | undefined;
  #busy = false;
  #down = false;

  constructor(
    private readonly store: CounterAdder,
    private readonly syncRateSeconds: number,
  ) {}

  /** Whether the last sync failed (requests are then tolerated or refused by fault_tolerant). */
  get down(): boolean {
    return this.#down;
  }

  /** The count of `key` (shared total last read + local), created at 0 on first use. */
  count(key: string, ttlSeconds: number, windowEndMs: number): SyncedCount {
    let c = this.#counts.get(key);
    if (c === undefined) {
      c = { base: 0, pending: 0, inFlight: 0, ttl: ttlSeconds, end: windowEndMs };
      this.#counts.set(key, c);
      this.#timer ??= setInterval(() => void this.sync(), this.syncRateSeconds * 1000).unref();
    }
    return c;
  }

  /** Pushes local counts and reads the shared totals back; keys of ended windows are dropped once pushed. */
  async sync(nowMs = Date.now()): Promise<void> {
    if (this.#busy) return;
    const keys: string[] = [];
    const entries: SyncedCount[] = [];
    for (const [key, c] of this.#counts) {
      if (c.end <= nowMs && c.pending === 0) {
        this.#counts.delete(key);
        continue;
      }
      keys.push(key);
      entries.push(c);
    }
    if (keys.length === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    this.#busy = true;
    for (const c of entries) {
      c.inFlight = c.pending;
      c.pending = 0;
    }
    try {
      for (let i = 0; i < keys.length; i += BATCH) {
        const part = entries.slice(i, i + BATCH);
        const totals = await this.store.add(keys.slice(i, i + BATCH), part.map((c) => c.inFlight), part.map((c) => c.ttl));
        part.forEach((c, j) => {
          c.base = Number(totals[j]);
          c.inFlight = 0;
        });
      }
      this.#down = false;
    } catch {
      // Not pushed: counted again at the next sync (Redis may or may not have applied a timed-out call).
      for (const c of entries) {
        c.pending += c.inFlight;
        c.inFlight = 0;
      }
      this.#down = true;
    } finally {
      this.#busy = false;
    }
  }

  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#counts.clear();
  }
}

const syncers = new Map<CounterAdder, Map<number, RedisSyncer>>();

/** The shared syncer of a store and sync_rate. */
export function redisSyncer(store: CounterAdder, syncRateSeconds: number): RedisSyncer {
  let byRate = syncers.get(store);
  if (byRate === undefined) syncers.set(store, (byRate = new Map()));
  let s = byRate.get(syncRateSeconds);
  if (s === undefined) byRate.set(syncRateSeconds, (s = new RedisSyncer(store, syncRateSeconds)));
  return s;
}

/** Stops every syncer (the proxy's shutdown, with closeRedisStores). */
export function closeRedisSyncers(): void {
  for (const byRate of syncers.values()) for (const s of byRate.values()) s.close();
  syncers.clear();
}
