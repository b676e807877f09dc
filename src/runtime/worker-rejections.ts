import type { RejectionEntry } from '../observability/rejections.js';

/** The status page waits this long for the workers' rings; a worker that does not answer is left out. */
const TIMEOUT_MS = 1_000;

interface Pending {
  entries: RejectionEntry[];
  waiting: Set<number>;
  finish(): void;
}

/**
 * The primary's side of the status page's "last refused requests" with --workers: asks every
 * serving worker for its ring (each proxy process keeps its own, docs/status-page.md#workers) and
 * merges them, newest first, up to `limit`. Only when the page is read: no IPC per request.
 */
export class WorkerRejections {
  readonly #pending = new Map<number, Pending>();
  #next = 0;

  constructor(private readonly limit: number) {}

  collect(workerIds: number[], ask: (workerId: number, requestId: number) => void): Promise<RejectionEntry[]> {
    return new Promise((resolve) => {
      if (workerIds.length === 0) return resolve([]);
      const id = ++this.#next;
      const p: Pending = {
        entries: [],
        waiting: new Set(workerIds),
        finish: () => {
          clearTimeout(timer);
          this.#pending.delete(id);
          resolve(p.entries.sort((a, b) => b.at - a.at).slice(0, this.limit));
        },
      };
      const timer = setTimeout(p.finish, TIMEOUT_MS);
      this.#pending.set(id, p);
      for (const w of workerIds) ask(w, id);
    });
  }

  answered(workerId: number, requestId: number, entries: RejectionEntry[]): void {
    const p = this.#pending.get(requestId);
    if (p) this.#settle(p, workerId, entries);
  }

  exited(workerId: number): void {
    for (const p of this.#pending.values()) this.#settle(p, workerId, []);
  }

  #settle(p: Pending, workerId: number, entries: RejectionEntry[]): void {
    if (!p.waiting.delete(workerId)) return;
    p.entries.push(...entries);
    if (p.waiting.size === 0) p.finish();
  }
}
