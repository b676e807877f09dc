/** A write the leader still has to make, and the earliest time it may go (retry backoff). */
export interface QueuedWrite {
  notBefore: number;
}

/**
 * The one worker of a leader-only status writer (status-writer.ts, ingress-status-writer.ts,
 * gateway-api-status.ts): while this replica leads, it writes the due items one at a time,
 * `minGapMs` apart, and comes back when the earliest waiting one is due. The writers decide what
 * to queue (only differences) and how to write; serving never waits on it.
 */
export class LeaderWriteQueue<T extends QueuedWrite> {
  /** By object key; a newer report replaces a queued item, keeping its retry time. */
  readonly pending = new Map<string, T>();
  #worker: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(
    private readonly opts: { isLeader: () => boolean; minGapMs: () => number; write: (key: string, item: T) => Promise<void> },
  ) {}

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Back in the queue after a failed write, unless a newer item for the key arrived meanwhile. */
  retry(key: string, item: T, delayMs: number): void {
    if (!this.pending.has(key)) this.pending.set(key, { ...item, notBefore: Date.now() + delayMs });
  }

  kick(): void {
    if (this.#worker || this.#stopped || !this.opts.isLeader() || this.pending.size === 0) return;
    this.#worker = this.#drain().finally(() => {
      this.#worker = null;
      this.#scheduleWake();
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#worker;
  }

  /** Items waiting for their retry time: come back when the earliest is due. */
  #scheduleWake(): void {
    if (this.#stopped || this.pending.size === 0 || this.#timer) return;
    const due = Math.min(...[...this.pending.values()].map((i) => i.notBefore));
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.kick();
    }, Math.max(0, due - Date.now()));
    this.#timer.unref();
  }

  async #drain(): Promise<void> {
    for (;;) {
      if (this.#stopped || !this.opts.isLeader()) return;
      const now = Date.now();
      const entry = [...this.pending.entries()].find(([, i]) => i.notBefore <= now);
      if (!entry) return;
      const [key, item] = entry;
      this.pending.delete(key);
      await this.opts.write(key, item);
      await new Promise((r) => setTimeout(r, this.opts.minGapMs()));
    }
  }
}
