import type { FastifyInstance, FastifyReply } from 'fastify';
import type { RejectionEntry } from '../observability/rejections.js';
import type { SnapshotStore } from '../snapshot/store.js';
import { RateSampler, requestTotals } from './request-rates.js';
import { renderStatusPage, STATUS_CSS, STATUS_ICON } from './status-page.js';
import { statusView, type StatusView } from './status-view.js';

/** What the status page reads besides the snapshot (docs/status-page.md); the runtime provides it. */
export interface StatusPageSource {
  /** The last refused requests of the processes that proxy, newest first. */
  rejections(): Promise<RejectionEntry[]>;
  /** Where those come from, for the page ("this process", "3 proxy workers"). */
  rejectionsFrom: string;
  /** The Prometheus text of /metrics (request counters summed over workers). */
  metricsText(): Promise<string>;
}

const DEFAULT_REFRESH_SECONDS = 5;
const MAX_REFRESH_SECONDS = 3600;

/**
 * CSP `default-src 'self'`: the page loads only its own stylesheet; no script runs anywhere.
 * No framing, no referrer, never cached (it shows live state).
 */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
} as const;

/** GET /ui (HTML), /ui/status.json (the same view model), /ui/status.css and its icon. Read-only, like the rest. */
export function registerStatusPage(app: FastifyInstance, store: SnapshotStore, source: StatusPageSource, meta: { mode?: string; version: string }): void {
  const sampler = new RateSampler();
  const view = async (): Promise<StatusView> => {
    const [rejections, rates] = await Promise.all([
      source.rejections().catch(() => []),
      source.metricsText().then(
        (text) => sampler.sample(requestTotals(text)),
        () => null,
      ),
    ]);
    return statusView({ snapshot: store.current(), rejections, rejectionsFrom: source.rejectionsFrom, rates, mode: meta.mode, version: meta.version, now: new Date() });
  };
  const send = (reply: FastifyReply, type: string, body: string) => reply.headers(PAGE_HEADERS).type(type).send(body);

  app.get<{ Querystring: { refresh?: string } }>('/ui', async (req, reply) => {
    const refresh = refreshSeconds(req.query.refresh);
    if (refresh === undefined) return reply.code(400).send({ message: `refresh: an integer of seconds from 0 to ${MAX_REFRESH_SECONDS}` });
    return send(reply, 'text/html; charset=utf-8', renderStatusPage(await view(), { refreshSeconds: refresh, cssHref: '/ui/status.css' }));
  });
  app.get('/ui/status.json', async (_req, reply) => send(reply, 'application/json; charset=utf-8', JSON.stringify(await view())));
  app.get('/ui/status.css', async (_req, reply) => send(reply, 'text/css; charset=utf-8', STATUS_CSS));
  app.get('/ui/favicon.svg', async (_req, reply) => send(reply, 'image/svg+xml', STATUS_ICON));
}

/** `?refresh=N` (0: no reload); absent: the default. */
function refreshSeconds(q: string | undefined): number | undefined {
  if (q === undefined) return DEFAULT_REFRESH_SECONDS;
  if (!/^\d{1,4}$/.test(q)) return undefined;
  const n = Number(q);
  return n <= MAX_REFRESH_SECONDS ? n : undefined;
}
