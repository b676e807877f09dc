import type { FastifyInstance } from 'fastify';
import type { Snapshot } from '../snapshot/types.js';

/** The request to explain, as the runtime's explain function takes it (proxy/explain.ts's ExplainRequest). */
export interface AdminExplainRequest {
  method: string;
  url: string;
  headers: Array<[string, string]>;
}

/** Explains `req` against `snapshot` (the runtime passes proxy/explain.ts); `now` in seconds, or the clock. */
export type AdminExplain = (snapshot: Snapshot | undefined, req: AdminExplainRequest, nowSeconds: number | undefined) => object;

/** A whole request line plus headers is small; anything larger is not a request a client sends. */
const BODY_LIMIT = 64 * 1024;
const MAX_HEADERS = 200;

/**
 * POST /debug/explain (docs/explain.md#the-admin-endpoint): the answer of `portcullis explain --json`
 * over the live snapshot. It changes nothing. JSON bodies only, so a browser page cannot send one
 * without a CORS preflight (which nothing answers); the listener's Host check still applies.
 * Nothing here logs, and errors name fields only: the body carries client tokens.
 */
export function registerExplainRoute(app: FastifyInstance, store: { current(): Snapshot | undefined }, explain: AdminExplain): void {
  app.post('/debug/explain', { bodyLimit: BODY_LIMIT }, async (req, reply) => {
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type)) return reply.code(415).send({ message: 'Content-Type must be application/json' });
    const parsed = parseBody(req.body);
    if ('error' in parsed) return reply.code(400).send({ message: parsed.error });
    const result = explain(store.current(), parsed.request, parsed.now);
    if ('error' in result) return reply.code(400).send({ message: (result as { error: string }).error });
    return reply.header('cache-control', 'no-store').send(result);
  });
}

/**
 * `{"method": "GET", "url": "https://host/api", "headers": {...} | ["Name: value", ...], "now": 1700000000}`:
 * headers as an object (a value may be a list: repeated header) or as curl -H lines.
 */
function parseBody(body: unknown): { request: AdminExplainRequest; now: number | undefined } | { error: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { error: 'expected a JSON object {"method", "url", "headers"}' };
  const b = body as Record<string, unknown>;
  const method = b.method ?? 'GET';
  if (typeof method !== 'string' || !/^[A-Za-z]{1,20}$/.test(method)) return { error: 'method: expected an HTTP method such as GET' };
  if (typeof b.url !== 'string' || b.url === '') return { error: 'url: expected a string such as "https://api.example.com/path"' };
  if (b.now !== undefined && (typeof b.now !== 'number' || !Number.isInteger(b.now) || b.now < 0)) return { error: 'now: expected seconds since the epoch' };
  const headers: Array<[string, string]> = [];
  const raw = b.headers ?? {};
  if (Array.isArray(raw)) {
    for (const line of raw) {
      const colon = typeof line === 'string' ? line.indexOf(':') : -1;
      if (colon <= 0) return { error: 'headers: expected "Name: value" strings' };
      headers.push([(line as string).slice(0, colon).trim(), (line as string).slice(colon + 1).trim()]);
    }
  } else if (typeof raw === 'object' && raw !== null) {
    for (const [name, value] of Object.entries(raw)) {
      for (const v of Array.isArray(value) ? value : [value]) {
        if (typeof v !== 'string') return { error: 'headers: expected string values (or lists of strings)' };
        headers.push([name, v]);
      }
    }
  } else return { error: 'headers: expected an object or a list of "Name: value" strings' };
  if (headers.length > MAX_HEADERS) return { error: `headers: at most ${MAX_HEADERS}` };
  return { request: { method, url: b.url, headers }, now: b.now as number | undefined };
}
