import type { WriteBudget } from './write-budget.js';

/** A write the leader still has to make, and the earliest time it may go (retry backoff). */
export interface QueuedWrite {
  notBefore: number;
}

/**
 * Writes in flight at once per writer, from the budget: enough that the budget, not the API
 * latency, is the ceiling up to 150 ms per write (at 8 in flight and ~250 ms per PATCH on a busy
 * server, 10,000 statuses went at 30 writes/s: docs/controller-scale.md#write-budget); at most 64,
 * well inside a priority level's share of the server's inflight limit (APF queues the rest).
 */
export function writeConcurrency(qps: number): number {
  return Math.min(64, Math.max(8, Math.ceil(qps * 0.15)));
}

/**
 * The workers of a leader-only status writer (status-writer.ts, ingress-status-writer.ts,
 * gateway-api-status.ts): while this replica leads, up to `concurrency` workers write the due items,
 * each write taking a token from the process's shared WriteBudget (docs/controller-scale.md), and
 * come back when the earliest waiting one is due. The writers decide what to queue (only
 * differences) and how to write; serving never waits on it.
 */
export class LeaderWriteQueue<T extends QueuedWrite> {
  /** By object key, in the order queued; a newer report replaces a queued item, keeping its retry time. */
  readonly pending = new Map<string, T>();
  readonly #inFlight = new Set<string>();
  #workers = 0;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  readonly #done = new Set<() => void>();

  constructor(
    private readonly opts: {
      isLeader: () => boolean;
      /** The process's budget (read when writing: the writers own it). */
      budget: () => WriteBudget;
      write: (key: string, item: T) => Promise<void>;
      concurrency?: number;
    },
  ) {}

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Back in the queue after a failed write, unless a newer item for the key arrived meanwhile. */
  retry(key: string, item: T, delayMs: number): void {
    if (!this.pending.has(key)) this.pending.set(key, { ...item, notBefore: Date.now() + delayMs });
  }

  kick(): void {
    if (this.#stopped || !this.opts.isLeader() || this.pending.size === 0) return;
    const max = this.opts.concurrency ?? writeConcurrency(this.opts.budget().opts.qps);
    while (this.#workers < Math.min(max, this.pending.size)) {
      this.#workers++;
      void this.#work().finally(() => {
        this.#workers--;
        if (this.#workers === 0) {
          for (const done of this.#done) done();
          this.#done.clear();
          this.#scheduleWake();
        }
      });
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#workers > 0) await new Promise<void>((r) => this.#done.add(r));
  }

  /** Items waiting for their retry time: come back when the earliest is due. */
  #scheduleWake(): void {
    if (this.#stopped || this.pending.size === 0 || this.#timer) return;
    let due = Infinity;
    for (const i of this.pending.values()) due = Math.min(due, i.notBefore);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.kick();
    }, Math.max(0, due - Date.now()));
    this.#timer.unref();
  }

  /** The first due item not being written by another worker (insertion order: oldest first). */
  #next(now: number): [string, T] | undefined {
    for (const entry of this.pending) if (entry[1].notBefore <= now && !this.#inFlight.has(entry[0])) return entry;
    return undefined;
  }

  async #work(): Promise<void> {
    for (;;) {
      if (this.#stopped || !this.opts.isLeader()) return;
      if (this.#next(Date.now()) === undefined) return;
      await this.opts.budget().take();
      if (this.#stopped || !this.opts.isLeader()) return;
      // Picked after the token: the newest desired state for the key goes out.
      const entry = this.#next(Date.now());
      if (!entry) return;
      const [key, item] = entry;
      this.pending.delete(key);
      this.#inFlight.add(key);
      try {
        await this.opts.write(key, item);
      } finally {
        this.#inFlight.delete(key);
      }
    }
  }
}
