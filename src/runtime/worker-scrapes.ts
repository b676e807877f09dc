import { retireWorkerMetrics } from './cluster-metrics.js';
import type { MetricsJson } from './worker-protocol.js';

/** A scrape waits this long for workers' metrics; a worker that does not answer is left out. */
const METRICS_TIMEOUT_MS = 2_000;

interface MetricsRequest {
  responses: MetricsJson[];
  waiting: Set<number>;
  finish(): void;
}

/**
 * The primary's side of a /metrics scrape: asks the serving workers for their metrics, waits for
 * their answers (or their exit, or the timeout), and keeps the cumulative totals of dead workers
 * so the pod's counters never go down (cluster-metrics.ts retireWorkerMetrics).
 */
export class WorkerScrapes {
  readonly #requests = new Map<number, MetricsRequest>();
  #next = 0;
  /** Each worker's last scraped metrics, and the cumulative totals of workers that died. */
  readonly #lastScraped = new Map<number, MetricsJson>();
  #retired: MetricsJson = [];

  /** The workers' metrics, plus the retired totals; `ask` sends worker `id` a metrics request. */
  collect(workerIds: number[], ask: (workerId: number, requestId: number) => void): Promise<MetricsJson[]> {
    return new Promise<MetricsJson[]>((resolve) => {
      if (workerIds.length === 0) return resolve([this.#retired]);
      const id = ++this.#next;
      const req: MetricsRequest = {
        responses: [],
        waiting: new Set(workerIds),
        finish: () => {
          clearTimeout(timer);
          this.#requests.delete(id);
          resolve([...req.responses, this.#retired]);
        },
      };
      const timer = setTimeout(req.finish, METRICS_TIMEOUT_MS);
      this.#requests.set(id, req);
      for (const workerId of workerIds) ask(workerId, id);
    });
  }

  /** Worker `workerId` answered request `requestId`. */
  answered(workerId: number, requestId: number, metrics: MetricsJson): void {
    const req = this.#requests.get(requestId);
    if (req) this.#settle(req, workerId, metrics);
  }

  /** Worker `workerId` exited: no request waits for it, and its totals are kept. */
  exited(workerId: number): void {
    for (const req of this.#requests.values()) this.#settle(req, workerId);
    const last = this.#lastScraped.get(workerId);
    if (last) this.#retired = retireWorkerMetrics(this.#retired, last);
    this.#lastScraped.delete(workerId);
  }

  #settle(req: MetricsRequest, workerId: number, metrics?: MetricsJson): void {
    if (!req.waiting.delete(workerId)) return;
    if (metrics) {
      req.responses.push(metrics);
      this.#lastScraped.set(workerId, metrics);
    }
    if (req.waiting.size === 0) req.finish();
  }
}
