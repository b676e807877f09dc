import os from 'node:os';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { SnapshotStore } from '../snapshot/store.js';
import type { Credential, Snapshot } from '../snapshot/types.js';
import { formatDiagnostic } from '../model/diagnostics.js';
import { loopbackOnly, misdirectedBody, type HostCheck } from '../model/host-allowlist.js';
import { consumerView, credentialView, debugSnapshotView, paginate, routeView, serviceViews } from './views.js';
import { certificateView, sniViews } from './certificate-views.js';
import { registerExplainRoute, type AdminExplain } from './explain-route.js';
import { registerStatusPage, type StatusPageSource } from './status-route.js';

export interface AdminServerOptions {
  store: SnapshotStore;
  /** Show HMAC secrets (standalone mode, as Kong does); false → "<redacted>" (controller mode). */
  exposeSecrets: boolean;
  /** Shown at GET / (e.g. "standalone" / "controller"). */
  mode?: string;
  version?: string;
  /** Host header values answered (DNS rebinding protection); default: localhost and loopback IPs. */
  allowHost?: HostCheck;
  /** POST /debug/explain over the live snapshot (docs/explain.md); undefined: off (`--admin-explain off`). */
  explain?: AdminExplain;
  /** GET /ui, the read-only status page (docs/status-page.md); undefined: not served. */
  statusPage?: StatusPageSource;
}

type Query = { size?: string; offset?: string };

/** Read-only, Kong-compatible Admin API on fastify (default 127.0.0.1:8001). */
export function createAdminServer(opts: AdminServerOptions): FastifyInstance {
  const app = Fastify({ logger: false });
  const nodeId = `${os.hostname()}-${process.pid}`;
  const allowHost = opts.allowHost ?? loopbackOnly;
  app.addHook('onRequest', async (req, reply) => {
    if (!allowHost(req.headers.host)) return reply.code(421).send(misdirectedBody(req.headers.host!));
  });

  const snap = (reply: FastifyReply): Snapshot | undefined => {
    const s = opts.store.current();
    if (!s) void reply.code(503).send({ message: 'no configuration loaded yet' });
    return s;
  };
  const notFound = (reply: FastifyReply) => reply.code(404).send({ message: 'Not found' });
  const page = <T, V>(reply: FastifyReply, items: readonly T[], view: (item: T) => V, base: string, q: Query) => {
    const p = paginate(items, view, base, q);
    if ('error' in p) return reply.code(400).send({ message: p.error });
    return reply.send(p);
  };
  const findConsumer = (s: Snapshot, x: string) => s.consumers.find((c) => c.id === x) ?? s.consumers.find((c) => c.username === x);
  const findCredential = (s: Snapshot, x: string): Credential | undefined =>
    s.credentials.byKey.get(x) ?? s.credentials.all.find((c) => c.id === x);

  app.get('/', async (_req, reply) => {
    const s = opts.store.current();
    return reply.send({
      tagline: 'Welcome to portcullis',
      version: opts.version ?? '0.1.0',
      hostname: os.hostname(),
      node_id: nodeId,
      mode: opts.mode ?? null,
      plugins: {
        available_on_server: { jwt: true, 'jwt-claims': true, 'ip-restriction': true, 'correlation-id': true, acl: true, cors: true, 'rate-limiting': true },
        enabled_in_cluster: [
          ...(s?.routes.some((r) => r.correlationId) ? ['correlation-id'] : []),
          ...(s?.routes.some((r) => r.cors) ? ['cors'] : []),
          ...(s?.routes.some((r) => r.auth) ? ['jwt'] : []),
          ...(s?.routes.some((r) => r.ipRestriction) ? ['ip-restriction'] : []),
          ...(s?.routes.some((r) => r.acl) ? ['acl'] : []),
          ...(s?.routes.some((r) => r.claims) ? ['jwt-claims'] : []),
          ...(s?.routes.some((r) => r.rateLimiting) ? ['rate-limiting'] : []),
        ],
      },
      snapshot: s ? { version: s.version, hash: s.hash, created_at: s.createdAt.toISOString() } : null,
    });
  });

  app.get<{ Querystring: Query }>('/consumers', async (req, reply) => {
    const s = snap(reply);
    if (s) return page(reply, s.consumers, (c) => consumerView(c, s.createdAt), '/consumers', req.query);
  });
  app.get<{ Params: { x: string } }>('/consumers/:x', async (req, reply) => {
    const s = snap(reply);
    if (!s) return;
    const c = findConsumer(s, req.params.x);
    return c ? reply.send(consumerView(c, s.createdAt)) : notFound(reply);
  });
  app.get<{ Params: { x: string }; Querystring: Query }>('/consumers/:x/jwt', async (req, reply) => {
    const s = snap(reply);
    if (!s) return;
    const c = findConsumer(s, req.params.x);
    if (!c) return notFound(reply);
    const creds = s.credentials.all.filter((cr) => cr.consumer === c);
    return page(reply, creds, (cr) => credentialView(cr, s.createdAt, opts.exposeSecrets), `/consumers/${encodeURIComponent(req.params.x)}/jwt`, req.query);
  });
  app.get<{ Params: { x: string; j: string } }>('/consumers/:x/jwt/:j', async (req, reply) => {
    const s = snap(reply);
    if (!s) return;
    const c = findConsumer(s, req.params.x);
    const cr = c && findCredential(s, req.params.j);
    return cr && cr.consumer.id === c.id ? reply.send(credentialView(cr, s.createdAt, opts.exposeSecrets)) : notFound(reply);
  });
  app.get<{ Querystring: Query }>('/jwts', async (req, reply) => {
    const s = snap(reply);
    if (s) return page(reply, s.credentials.all, (cr) => credentialView(cr, s.createdAt, opts.exposeSecrets), '/jwts', req.query);
  });
  app.get<{ Params: { x: string } }>('/jwts/:x', async (req, reply) => {
    const s = snap(reply);
    if (!s) return;
    const cr = findCredential(s, req.params.x);
    return cr ? reply.send(credentialView(cr, s.createdAt, opts.exposeSecrets)) : notFound(reply);
  });
  app.get<{ Querystring: Query }>('/services', async (req, reply) => {
    const s = snap(reply);
    if (s) return page(reply, serviceViews(s), (v) => v, '/services', req.query);
  });
  app.get<{ Params: { x: string } }>('/services/:x', async (req, reply) => {
    const s = snap(reply);
    if (!s) return;
    const v = serviceViews(s).find((x) => x.id === req.params.x || x.name === req.params.x);
    return v ? reply.send(v) : notFound(reply);
  });
  app.get<{ Querystring: Query }>('/routes', async (req, reply) => {
    const s = snap(reply);
    if (s) return page(reply, s.routes, (r) => routeView(r, s.createdAt), '/routes', req.query);
  });
  app.get<{ Params: { x: string } }>('/routes/:x', async (req, reply) => {
    const s = snap(reply);
    if (!s) return;
    const r = s.routes.find((x) => x.id === req.params.x || x.name === req.params.x);
    return r ? reply.send(routeView(r, s.createdAt)) : notFound(reply);
  });
  app.get<{ Querystring: Query }>('/certificates', async (req, reply) => {
    const s = snap(reply);
    if (s) return page(reply, s.tls?.all ?? [], (c) => certificateView(c, s.createdAt), '/certificates', req.query);
  });
  app.get<{ Querystring: Query }>('/snis', async (req, reply) => {
    const s = snap(reply);
    if (s) return page(reply, sniViews(s.tls?.all ?? [], s.createdAt), (v) => v, '/snis', req.query);
  });
  app.get('/debug/snapshot', async (_req, reply) => {
    const s = snap(reply);
    if (s) return reply.send(debugSnapshotView(s));
  });
  app.get('/debug/diagnostics', async (_req, reply) => {
    const s = snap(reply);
    if (s) {
      return reply.send({
        version: s.version,
        data: s.diagnostics.map((d) => ({ ...d, text: formatDiagnostic(d) })),
      });
    }
  });

  if (opts.explain) registerExplainRoute(app, opts.store, opts.explain);
  if (opts.statusPage) registerStatusPage(app, opts.store, opts.statusPage, { mode: opts.mode, version: opts.version ?? '0.1.0' });

  // Read-only: every write answers 405; anything else unknown answers Kong's 404.
  app.route({
    method: ['POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/*',
    handler: async (_req, reply) => reply.code(405).send({ message: 'Method not allowed' }),
  });
  app.setNotFoundHandler((_req, reply) => notFound(reply));
  app.setErrorHandler((err: { statusCode?: number }, _req, reply) => {
    const code = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    void reply.code(code).send({ message: code === 500 ? 'An unexpected error occurred' : 'Bad request' });
  });
  return app;
}
