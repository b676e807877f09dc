/**
 * Live request rates for the status page (docs/status-page.md), from the gateway's own
 * `portcullis_requests_total` (with --workers, the primary's /metrics text already sums the
 * workers'). Sampled only when the page is read: nothing runs on the request path or on a timer.
 */

/** Totals of one scrape. */
export interface RequestTotals {
  requests: number;
  /** Statuses 400–499 (refusals: no route, 401, 403, …). */
  clientErrors: number;
  /** Statuses 500–599 (fail-closed routes, upstream failures). */
  serverErrors: number;
}

/** Per-second rates over `windowSeconds` (the time since the previous sample at least MIN_WINDOW old). */
export interface RequestRates extends RequestTotals {
  windowSeconds: number;
  totals: RequestTotals;
}

const SERIES = 'portcullis_requests_total{';
const STATUS = /[{,]status="(\d{3})"/;

/** Sums portcullis_requests_total of a Prometheus text exposition, by status class. */
export function requestTotals(metricsText: string): RequestTotals {
  const t: RequestTotals = { requests: 0, clientErrors: 0, serverErrors: 0 };
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(SERIES)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!Number.isFinite(value)) continue;
    // Label values are escaped: a `status="` inside a route label reads `status=\"`, which never matches.
    const m = STATUS.exec(line);
    t.requests += value;
    const status = m ? Number(m[1]) : 0;
    if (status >= 400 && status < 500) t.clientErrors += value;
    else if (status >= 500 && status < 600) t.serverErrors += value;
  }
  return t;
}

const MIN_WINDOW_MS = 1_000;
const KEEP_MS = 10 * 60_000;

/** Keeps the samples of the last minutes; each read compares with the newest one at least a second old. */
export class RateSampler {
  readonly #samples: Array<{ at: number; totals: RequestTotals }> = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** Record `totals` now; the rates since an earlier sample, or null on the first read. */
  sample(totals: RequestTotals): RequestRates | null {
    const at = this.now();
    const s = this.#samples;
    while (s.length > 0 && at - s[0]!.at > KEEP_MS) s.shift();
    let base: { at: number; totals: RequestTotals } | undefined;
    for (let i = s.length - 1; i >= 0; i--) {
      if (at - s[i]!.at >= MIN_WINDOW_MS) {
        base = s[i];
        break;
      }
    }
    // Keep at most one sample per second: a burst of page loads does not grow the list.
    if (s.length === 0 || at - s[s.length - 1]!.at >= MIN_WINDOW_MS) s.push({ at, totals });
    if (base === undefined) return null;
    const secs = (at - base.at) / 1000;
    // A counter that went down (a worker's totals lost between scrapes): no negative rate.
    const per = (now: number, then: number) => Math.max(0, now - then) / secs;
    return {
      windowSeconds: secs,
      requests: per(totals.requests, base.totals.requests),
      clientErrors: per(totals.clientErrors, base.totals.clientErrors),
      serverErrors: per(totals.serverErrors, base.totals.serverErrors),
      totals,
    };
  }
}
