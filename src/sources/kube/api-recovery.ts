/**
 * Ends the watchers' retry sleeps as soon as the API server answers again after an outage.
 *
 * During an outage each watcher's backoff grows towards its cap (30 s), so without this a change
 * made right after the server came back waited for the longest pending sleep: revocations were
 * enforced up to half a minute late. While some watcher sleeps after a connection failure, this
 * probes the server every `intervalMs` (one request for all watchers, not one per type) and wakes
 * every sleeper the moment a probe, a list or a watch gets an answer.
 */
export class ApiRecovery {
  readonly #sleepers = new Set<() => void>();
  #unreachable = false;
  #probing = false;
  #stopped = false;

  constructor(
    /** Resolves true when the server answered (never rejects). */
    private readonly probe: () => Promise<boolean>,
    private readonly intervalMs = 1_000,
    /** Sleepers wake spread over this much, so a fleet of watchers does not re-watch and relist in the same instant. */
    private readonly wakeJitterMs = 100,
  ) {}

  /** A request got no HTTP answer at all (refused, reset, timed out). */
  unreachable(): void {
    this.#unreachable = true;
    this.#startProbing();
  }

  /** A request got an HTTP answer: wake the sleepers if the server had been unreachable. */
  answered(): void {
    if (!this.#unreachable) return;
    this.#unreachable = false;
    const sleepers = [...this.#sleepers];
    this.#sleepers.clear();
    for (const wake of sleepers) {
      const delay = Math.floor(Math.random() * this.wakeJitterMs);
      if (delay === 0) wake();
      else setTimeout(wake, delay).unref();
    }
  }

  get isUnreachable(): boolean {
    return this.#unreachable;
  }

  /** Waits `ms`, or less when the server answers again; `cancel` ends it early too. */
  sleep(ms: number): { done: Promise<void>; cancel(): void } {
    let cancel!: () => void;
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(wake, ms);
      const self = this;
      function wake(): void {
        clearTimeout(timer);
        self.#sleepers.delete(wake);
        resolve();
      }
      cancel = wake;
      this.#sleepers.add(wake);
    });
    this.#startProbing();
    return { done, cancel };
  }

  stop(): void {
    this.#stopped = true;
  }

  #startProbing(): void {
    if (this.#probing || this.#stopped || !this.#unreachable || this.#sleepers.size === 0) return;
    this.#probing = true;
    const tick = async (): Promise<void> => {
      while (!this.#stopped && this.#unreachable && this.#sleepers.size > 0) {
        await new Promise((r) => setTimeout(r, this.intervalMs).unref());
        if (this.#stopped || !this.#unreachable || this.#sleepers.size === 0) break;
        if (await this.probe()) this.answered();
      }
      this.#probing = false;
    };
    void tick();
  }
}
