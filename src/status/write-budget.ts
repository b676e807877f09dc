/**
 * The controller's client-side budget for API writes (status patches, Events): a token bucket of
 * `qps` tokens per second holding at most `burst`, shared by every writer of the process, so
 * 10,000 new objects cannot turn into an unbounded write storm (docs/controller-scale.md#write-budget).
 * Lease renewals never take from it: leadership must not starve behind status writes.
 * A 429 with Retry-After pauses the whole budget (`pause`): the server asked every writer to wait.
 */
export interface WriteBudgetOptions {
  /** Sustained writes per second (default 200). */
  qps: number;
  /** Writes allowed at once after a quiet time (default 2 × qps). */
  burst: number;
}

export const DEFAULT_WRITE_QPS = 200;

export class WriteBudget {
  #tokens: number;
  #last: number;
  #pausedUntil = 0;
  /** Writes that had to wait for a token (for metrics and tests). */
  waited = 0;
  taken = 0;

  constructor(
    readonly opts: WriteBudgetOptions = { qps: DEFAULT_WRITE_QPS, burst: 2 * DEFAULT_WRITE_QPS },
    private readonly now: () => number = Date.now,
  ) {
    this.#tokens = opts.burst;
    this.#last = now();
  }

  /** Pure accounting: ms to wait before a token is free (0: taken now). */
  tryTake(): number {
    const now = this.now();
    if (now < this.#pausedUntil) return this.#pausedUntil - now;
    this.#tokens = Math.min(this.opts.burst, this.#tokens + ((now - this.#last) / 1000) * this.opts.qps);
    this.#last = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      this.taken++;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - this.#tokens) / this.opts.qps) * 1000));
  }

  /** Resolves once a write may go. */
  async take(): Promise<void> {
    let wait = this.tryTake();
    if (wait > 0) this.waited++;
    while (wait > 0) {
      await new Promise((r) => setTimeout(r, wait));
      wait = this.tryTake();
    }
  }

  /** The server answered 429 with Retry-After: no write from this process before then. */
  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.now() + ms);
  }
}
